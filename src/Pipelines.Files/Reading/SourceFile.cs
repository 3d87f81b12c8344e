namespace Pipelines.Files.Reading;

/// <summary>A file a source reads: its cursor and its parser.</summary>
internal sealed class SourceFile<T>(FileCursor cursor, RecordParser<T> parser) : IDisposable
{
    /// <summary>What <see cref="PumpAsync"/> found.</summary>
    public enum State
    {
        /// <summary>A record is queued.</summary>
        HasRecord,

        /// <summary>Bytes were read but no record is complete yet.</summary>
        Progress,

        /// <summary>At the end of the file for now.</summary>
        AtEnd,

        /// <summary>Finished and every record handed over.</summary>
        Done,
    }

    public FileCursor Cursor { get; } = cursor;

    public RecordParser<T> Parser { get; } = parser;

    /// <summary>
    /// Rotated out of the pattern (its path holds another file, or none): read from where reading was until its writer
    /// has moved on or it has been quiet for the source's rotate wait, then dropped (<see cref="PumpRotatedAsync"/>).
    /// </summary>
    public bool Detached { get; private set; }

    /// <summary>
    /// Where a file rotated during the run was (null for one a run resumed as rotated): the file that takes that path is
    /// its writer's new log, held back until this one is done (its lines are older).
    /// </summary>
    public string? RotatedFrom { get; private set; }

    /// <summary>When the file last grew (or was rotated), on the run's clock; with <see cref="_seenOffset"/>, what <see cref="PumpRotatedAsync"/> waits on.</summary>
    private DateTimeOffset _quietSince;
    private long _seenOffset;

    /// <summary>The file was rotated out of the pattern from <paramref name="from"/> (null: not known) at <paramref name="now"/>: its rotate wait starts.</summary>
    public void Detach(DateTimeOffset now, string? from)
    {
        Detached = true;
        RotatedFrom = from;
        _quietSince = now;
        _seenOffset = Cursor.ReadOffset;
    }

    /// <summary>A rotated file whose name is inside the pattern again: followed like any other.</summary>
    public void Attach()
    {
        Detached = false;
        RotatedFrom = null;
    }

    /// <summary>
    /// A rotated file: reads on; at its end it is finished (its last line taken without a line break) once its writer
    /// has moved on (<paramref name="writerMovedOn"/>: its new log has bytes, asked before this read, so everything
    /// written here before is seen), once nothing was added to it for <paramref name="wait"/>, or at once when its
    /// content is gone (truncated in place).
    /// </summary>
    public async ValueTask<State> PumpRotatedAsync(DateTimeOffset now, TimeSpan wait, bool writerMovedOn, CancellationToken cancellationToken)
    {
        var state = await PumpAsync(finishAtEnd: false, cancellationToken).ConfigureAwait(false);
        if (Cursor.ReadOffset != _seenOffset)
        {
            _seenOffset = Cursor.ReadOffset;
            _quietSince = now;
        }

        if (state != State.AtEnd || (!Cursor.ContentGone && !writerMovedOn && now - _quietSince < wait)) return state;
        return await PumpAsync(finishAtEnd: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads until a record is queued or the end of the file; at the end, <paramref name="finishAtEnd"/> makes the rest the last record.</summary>
    public async ValueTask<State> PumpAsync(bool finishAtEnd, CancellationToken cancellationToken)
    {
        if (Cursor.HasRecord) return State.HasRecord;
        if (Cursor.Finished) return State.Done;
        int n = await Cursor.FillAsync(cancellationToken).ConfigureAwait(false);
        if (Cursor.HasRecord) return State.HasRecord;
        if (n > 0) return State.Progress;
        if (!finishAtEnd) return State.AtEnd;
        Cursor.Finish();
        return Cursor.HasRecord ? State.HasRecord : State.Done;
    }

    public FileOffset ToCheckpoint() =>
        new(Cursor.Path, Cursor.Prefix.Length, Checkpoint.Fingerprint(Cursor.Prefix), Cursor.ConsumedOffset, Cursor.ConsumedLine) { RotatedFrom = RotatedFrom };

    public void Dispose()
    {
        Cursor.Dispose();
        Parser.Dispose();
    }
}
