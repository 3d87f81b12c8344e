using Pipelines.Postgres.Writing;

namespace Pipelines.Postgres;

/// <summary>
/// Writes results to a PostgreSQL table: appended with binary COPY, or upserted by key (and deleted, from change
/// records). Made by <see cref="PostgresSinks"/>; see there for batching, errors and delivery guarantees.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class PostgresSink<T> : Sink<T>
{
    private long _written;
    private long _rejected;
    private long _alreadyCommitted;

    internal PostgresSink(string connectionString, string table, IReadOnlyList<string> keyColumns, Type rowType, RowShape<T> shape, Func<T, WriteSequence>? sequence, PostgresSinkOptions options)
    {
        ConnectionString = connectionString;
        Table = table;
        KeyColumns = keyColumns;
        RowType = rowType;
        Shape = shape;
        Sequence = sequence;
        Options = options;
        Name = options.Name ?? $"postgres:{table}";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The target table, as given.</summary>
    public string Table { get; }

    /// <summary>The key columns of an upsert; empty for an append.</summary>
    public IReadOnlyList<string> KeyColumns { get; }

    /// <summary>The sink's settings.</summary>
    public PostgresSinkOptions Options { get; }

    /// <summary>Rows committed (appended, upserted or deleted), over every run of this sink.</summary>
    public long RowsWritten => Interlocked.Read(ref _written);

    /// <summary>Rows the server refused and the sink skipped (<see cref="RejectedRowPolicy.Skip"/>), over every run.</summary>
    public long RowsRejected => Interlocked.Read(ref _rejected);

    /// <summary>Elements an exactly-once sink skipped because its commit table showed them written (replays after a restore), over every run.</summary>
    public long RowsAlreadyCommitted => Interlocked.Read(ref _alreadyCommitted);

    internal string ConnectionString { get; }

    internal Type RowType { get; }

    internal RowShape<T> Shape { get; }

    internal Func<T, WriteSequence>? Sequence { get; }

    /// <inheritdoc />
    public override async ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        var writer = new PostgresSinkWriter<T>(this);
        try
        {
            await writer.OpenAsync(cancellationToken).ConfigureAwait(false);
            return writer;
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal void CountWritten(long n) => Interlocked.Add(ref _written, n);

    internal void CountRejected(long n) => Interlocked.Add(ref _rejected, n);

    internal void CountAlreadyCommitted(long n) => Interlocked.Add(ref _alreadyCommitted, n);
}
