using System.Globalization;

namespace Pipelines.Files.Writing;

/// <summary>
/// Writes one run's results: one open file per bucket (at most <see cref="FileSinkOptions.MaxOpenFiles"/>), a file
/// finished once it reaches <see cref="FileSinkOptions.MaxFileBytes"/>, every open file finished at a checkpoint
/// (<see cref="PreCommitAsync"/>) and at the end of input, and every unfinished file deleted when the run fails or is
/// cancelled. When finished files become visible is <see cref="PartCommitter"/>'s: at once, or, in a run that
/// stores checkpoints, when the checkpoint covering them is stored. Each file takes the next sequence number when
/// it is opened, so the files after a checkpoint never reuse a name; a file without records is deleted instead of
/// finished. When the run replaces earlier output, the earlier runs' files are deleted once this run's files are
/// finished at the end of its input.
/// </summary>
internal sealed class FileSinkWriter<T>(
    string directory,
    RecordOutput<T> output,
    FileSinkOptions options,
    Func<T, string>? bucketBy,
    int firstSequence,
    IReadOnlyList<string> replaced,
    PartCommitter committer,
    IDisposable claim,
    string name) : SinkWriter<T>
{
    private static readonly char[] InvalidInName = [.. Path.GetInvalidFileNameChars().Union(['/', '\\'])];
    private IReadOnlyList<string> _replaced = replaced;
    private readonly Dictionary<string, PartFile<T>> _open = new(StringComparer.Ordinal);
    private int _sequence = firstSequence;
    private long _clock;

    public override async ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
    {
        for (int i = 0; i < items.Length; i++)
        {
            T item = items.Span[i];
            string bucket = BucketOf(item, i);
            var part = await PartForAsync(bucket, cancellationToken).ConfigureAwait(false);
            try
            {
                part.Write(item);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The executor applies the error policy to this element and writes the rest in another call.
                throw new SinkElementException(i, item, ex);
            }

            if (options.MaxFileBytes is { } max && part.Length >= max) await FinishAsync(bucket, part, cancellationToken).ConfigureAwait(false);
            else if (part.NeedsFlush) await part.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        // What the batch staged goes to the temporary files now, so memory holds at most one batch.
        foreach (var part in _open.Values) await part.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A checkpoint's barrier: finishes every open file as a roll does (flushed to disk and closed), so what was
    /// written so far survives a later failure; the next result for a bucket starts a new file. Without checkpoint
    /// storage the files are visible now; with it they become the checkpoint's pending files, visible at
    /// <see cref="CommitCheckpointAsync"/>.
    /// </summary>
    /// <summary>
    /// A flush outside two-phase commit (a dead-letter sink at a checkpoint): finishes every open file, visible now
    /// (or, in a run that stores checkpoints, at the commit of the next checkpoint).
    /// </summary>
    public override ValueTask FlushAsync(CancellationToken cancellationToken) => FinishOpenAsync(cancellationToken);

    public override async ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        await FinishOpenAsync(cancellationToken).ConfigureAwait(false);
        committer.PreCommit(checkpointId);
    }

    public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        committer.Commit(checkpointId);
        return default;
    }

    /// <summary>The run stores checkpoints: refused after moving state (<see cref="MovingStateRefusal"/>), else <see cref="RecoverAsync"/>.</summary>
    public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
    {
        MovingStateRefusal.ThrowIfAfterMovingState(context, name);
        return base.StartCheckpointsAsync(context, cancellationToken);
    }

    /// <summary>
    /// The run stores checkpoints: files become visible by two-phase commit from now on. A restored run keeps
    /// the directory's files even when it replaces earlier output, since the files its checkpoints committed are
    /// among them.
    /// </summary>
    public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
    {
        committer.Recover(restoredCheckpointId);
        if (restoredCheckpointId is not null) _replaced = [];
        return default;
    }

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await FinishOpenAsync(cancellationToken).ConfigureAwait(false);
        committer.CommitAll();
        EarlierOutput.Delete(directory, _replaced);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var part in _open.Values) await part.DisposeAsync().ConfigureAwait(false);
            _open.Clear();
            committer.DiscardUnpublished();
        }
        finally
        {
            claim.Dispose();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private string BucketOf(T item, int index)
    {
        if (bucketBy is null) return string.Empty;
        string bucket;
        try
        {
            bucket = bucketBy(item);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new SinkElementException(index, item, ex);
        }

        if (string.IsNullOrEmpty(bucket) || bucket.IndexOfAny(InvalidInName) >= 0 || bucket.StartsWith('.'))
        {
            throw new SinkElementException(index, item, new ArgumentException(
                $"The bucket '{bucket}' cannot be part of a file name: use a non-empty text without path separators that does not start with '.'."));
        }

        return bucket;
    }

    private async ValueTask<PartFile<T>> PartForAsync(string bucket, CancellationToken cancellationToken)
    {
        if (!_open.TryGetValue(bucket, out var part))
        {
            if (_open.Count >= options.MaxOpenFiles)
            {
                var (oldest, file) = _open.MinBy(p => p.Value.LastUse);
                await FinishAsync(oldest, file, cancellationToken).ConfigureAwait(false);
            }

            string fileName = bucket.Length == 0
                ? $"{options.FilePrefix}-{_sequence.ToString("D6", CultureInfo.InvariantCulture)}{output.Extension}"
                : $"{options.FilePrefix}-{bucket}-{_sequence.ToString("D6", CultureInfo.InvariantCulture)}{output.Extension}";
            _sequence++;
            part = PartFile<T>.Create(Path.Combine(directory, fileName), output);
            _open[bucket] = part;
        }

        part.LastUse = ++_clock;
        return part;
    }

    /// <summary>Finishes the open files, least recently used first.</summary>
    private async ValueTask FinishOpenAsync(CancellationToken cancellationToken)
    {
        foreach (var (bucket, part) in _open.OrderBy(p => p.Value.LastUse).ToList()) await FinishAsync(bucket, part, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask FinishAsync(string bucket, PartFile<T> part, CancellationToken cancellationToken)
    {
        _open.Remove(bucket);
        if (!part.HasRecords)
        {
            await part.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await part.FinishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await part.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        committer.Finished(part.TemporaryPath, part.FinalPath);
    }
}
