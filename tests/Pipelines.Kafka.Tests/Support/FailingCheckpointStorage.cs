using System.Collections.Concurrent;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// Checkpoint storage in memory whose manifest write fails for one checkpoint (none when <paramref name="failAt"/> is 0):
/// a failed checkpoint, at will. Hooks run just before and just after a manifest is published.
/// </summary>
internal sealed class FailingCheckpointStorage(long failAt) : CheckpointStorage
{
    private readonly ConcurrentDictionary<(long, string), byte[]> _parts = new();
    private readonly ConcurrentDictionary<long, byte[]> _manifests = new();
    private long _lastPublished;

    /// <summary>Awaited before checkpoint <c>id</c>'s manifest is published; what it throws fails the write.</summary>
    public Func<long, Task>? BeforePublish { get; set; }

    /// <summary>Called once checkpoint <c>id</c>'s manifest is published: from then on a restart resumes from it.</summary>
    public Action<long>? AfterPublish { get; set; }

    /// <summary>The newest checkpoint whose manifest was published, or 0.</summary>
    public long LastPublished => Interlocked.Read(ref _lastPublished);

    public override string ToString() => "memory (fails at checkpoint " + failAt + ")";

    protected override ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        _parts[(checkpointId, name)] = content.ToArray();
        return default;
    }

    protected override ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken) =>
        new(_parts.TryGetValue((checkpointId, name), out var part) ? part : null);

    protected override async ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken)
    {
        if (BeforePublish is { } before) await before(checkpointId);
        if (checkpointId == failAt) throw new IOException($"The checkpoint store is unavailable (checkpoint {checkpointId}).");
        _manifests[checkpointId] = manifest.ToArray();
        Interlocked.Exchange(ref _lastPublished, checkpointId);
        AfterPublish?.Invoke(checkpointId);
    }

    protected override ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken) =>
        new(_manifests.TryGetValue(checkpointId, out var manifest) ? manifest : null);

    protected override ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
        new([.. _manifests.Keys.Order()]);

    protected override ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        _manifests.TryRemove(checkpointId, out _);
        return default;
    }
}
