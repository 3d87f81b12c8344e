using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Pipelines.Hosting;

/// <summary>
/// The <see cref="PipelineStatus"/> of every pipeline added with <c>AddPipeline</c>, by name, in the order they
/// were added. A singleton in the service provider; inject it to show or check all pipelines at once.
/// </summary>
public sealed class PipelineStatusRegistry : IReadOnlyCollection<PipelineStatus>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PipelineStatus> _byName = new(StringComparer.Ordinal);
    private readonly List<PipelineStatus> _ordered = [];

    internal PipelineStatusRegistry()
    {
    }

    /// <summary>How many pipelines are registered.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _ordered.Count;
        }
    }

    /// <summary>The status of the pipeline named <paramref name="name"/>.</summary>
    /// <param name="name">The name given to <c>AddPipeline</c>.</param>
    /// <exception cref="KeyNotFoundException">No pipeline has that name.</exception>
    public PipelineStatus this[string name] =>
        TryGet(name, out var status)
            ? status
            : throw new KeyNotFoundException($"No pipeline named '{name}' is registered: add it with services.AddPipeline(\"{name}\", ...).");

    /// <summary>Looks up the status of the pipeline named <paramref name="name"/>.</summary>
    /// <param name="name">The name given to <c>AddPipeline</c>.</param>
    /// <param name="status">The status, when found.</param>
    public bool TryGet(string name, [NotNullWhen(true)] out PipelineStatus? status)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock) return _byName.TryGetValue(name, out status);
    }

    /// <inheritdoc />
    public IEnumerator<PipelineStatus> GetEnumerator()
    {
        PipelineStatus[] snapshot;
        lock (_lock) snapshot = [.. _ordered];
        return ((IEnumerable<PipelineStatus>)snapshot).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal PipelineStatus Add(string name)
    {
        lock (_lock)
        {
            if (_byName.ContainsKey(name))
            {
                throw new ArgumentException($"A pipeline named '{name}' is already added; give each hosted pipeline its own name.", nameof(name));
            }

            var status = new PipelineStatus(name);
            _byName.Add(name, status);
            _ordered.Add(status);
            return status;
        }
    }
}
