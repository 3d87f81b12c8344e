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

    /// <summary>Its path now holds another file, or none: read it to its end through the open handle, then drop it.</summary>
    public bool Detached { get; set; }

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
        new(Cursor.Path, Cursor.Prefix.Length, Checkpoint.Fingerprint(Cursor.Prefix), Cursor.ConsumedOffset, Cursor.ConsumedLine);

    public void Dispose()
    {
        Cursor.Dispose();
        Parser.Dispose();
    }
}
