namespace Pipelines.Postgres.Writing;

// Exactly once by checkpoint id (an ExactlyOnceId in a run that stores checkpoints): rows are staged per checkpoint
// in a CheckpointStaging and reach the table when their checkpoint is stored.
internal sealed partial class PostgresSinkWriter<T>
{
    /// <summary>
    /// A run that stores checkpoints starts. With an exactly-once id it is refused downstream of keyed state that
    /// moves with repartition partitions (<see cref="SinkCheckpointContext.AfterMovingState"/>): each instance stages
    /// and commits rows under its own run's checkpoint ids, and a run's recovery discards every staged row of
    /// checkpoints it does not restore — another instance's included.
    /// </summary>
    public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_options.ExactlyOnceId is { } id && context.AfterMovingState)
        {
            throw new InvalidOperationException(
                $"PostgreSQL sink '{_sink.Name}' is exactly-once (ExactlyOnceId '{id}'), but its input comes from keyed state that moves between instances with the partitions of a repartition topic. " +
                "Its rows are staged and committed with one run's checkpoint ids, which a moved partition does not share: every instance's recovery would discard the rows the others staged, " +
                "and after a rebalance or a crash the partition's next owner would commit again results the previous owner already committed. " +
                "Leave ExactlyOnceId unset and upsert the results by (key, window) (PostgresSinks.Upsert with both in the key), " +
                "or key the input topic by the aggregation key, set PartitionedByKey = true on the Kafka source and drop the Repartition.");
        }

        return base.StartCheckpointsAsync(context, cancellationToken);
    }

    /// <summary>A run that stores checkpoints starts: with an exactly-once id, rows are staged per checkpoint from now on.</summary>
    public override async ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
    {
        if (_options.ExactlyOnceId is null) return;
        var staging = new CheckpointStaging(_sink.ConnectionString, _sink.Name, _table, _sink.Table, _columns, _keys, _options);
        staging.Applied += n =>
        {
            _sink.CountWritten(n);
            PostgresMetrics.RowsWritten.Add(n, _sinkTag);
        };
        staging.Rejected += n =>
        {
            _sink.CountRejected(n);
            PostgresMetrics.RowsRejected.Add(n, _sinkTag);
        };
        _staging = staging;
        await staging.RecoverAsync(restoredCheckpointId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With checkpoint staging: what was written since the last checkpoint is staged under <paramref name="checkpointId"/>.</summary>
    public override async ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (_staging is null)
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await StageBufferedAsync(checkpointId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With checkpoint staging: checkpoint <paramref name="checkpointId"/> is stored, so its rows go to the table.</summary>
    public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken) =>
        _staging is null ? default : _staging.CommitAsync(checkpointId, cancellationToken);

    /// <summary>Stages the kept rows (in the order they came; for an upsert the last of each key), tagged with <paramref name="checkpoint"/> or untagged.</summary>
    private async ValueTask StageBufferedAsync(long? checkpoint, CancellationToken cancellationToken)
    {
        var rows = (Upsert ? _upserts.Values : (IEnumerable<PendingRow>)_appends).Select(r => (r.Values, r.Delete)).ToList();
        await _staging!.StageAsync(_connection, rows, checkpoint, cancellationToken).ConfigureAwait(false);
        _appends.Clear();
        _upserts.Clear();
    }
}
