namespace Pipelines;

/// <summary>
/// Where results go. Sinks in this package: <see cref="Sinks"/>. A sink is a description: each run creates its
/// own writer, and the executors call one writer from one thread at a time.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class Sink<T>
{
    /// <summary>A name for errors, logs and metrics.</summary>
    public abstract string Name { get; }

    /// <summary>Opens a writer for one run.</summary>
    /// <param name="cancellationToken">Cancels opening.</param>
    public abstract ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens a writer for the run <paramref name="run"/> (an object that stands for one run: every writer a run
    /// opens on this sink gets the same one). Sinks that refuse to serve two runs at once override this.
    /// </summary>
    internal virtual ValueTask<SinkWriter<T>> OpenForRunAsync(object run, CancellationToken cancellationToken) => OpenAsync(cancellationToken);
}
