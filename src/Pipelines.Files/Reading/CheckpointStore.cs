namespace Pipelines.Files.Reading;

/// <summary>
/// Saves a reader's positions to its checkpoint file, one save at a time (checkpoints during a streaming run and
/// the commit at its end may overlap), and never a position older than one already saved.
/// </summary>
internal sealed class CheckpointStore(string path) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _saved;

    /// <summary>The checkpoint file's full path.</summary>
    public string Path { get; } = path;

    /// <summary>Writes <paramref name="position"/> atomically, unless a newer one has been saved already.</summary>
    public async ValueTask SaveAsync(FilePosition position, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (position.Sequence <= _saved) return;
            await new Checkpoint(Checkpoint.CurrentVersion, [.. position.Files]).SaveAsync(Path, cancellationToken).ConfigureAwait(false);
            _saved = position.Sequence;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
