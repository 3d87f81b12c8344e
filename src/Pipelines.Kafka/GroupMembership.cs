using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// This instance's side of the consumer-group protocol: where newly assigned partitions start, what happens to
/// revoked and lost ones, the commits of completed checkpoints, and the commit once the run has drained. Called
/// from inside the consumer's poll (the rebalance handlers) and from the reader's polling, never concurrently;
/// only <see cref="RequestCommit"/> comes from another thread.
/// </summary>
/// <remarks>
/// While the run goes on, what is committed is the position of the latest completed checkpoint: every result
/// derived from the records before it has reached the sinks. A revoked partition is committed up to that
/// position; records read from it since may still sit in open windows, so its next owner reads them again.
/// After the drain everything handed out has reached the sinks, so the owned partitions are committed, and so is
/// any partition revoked from then on (closing the consumer, or a rebalance that interrupts the final commit).
/// </remarks>
internal sealed class GroupMembership<TKey, TValue>(KafkaSourceOptions<TKey, TValue> options, string sourceName, ILogger logger)
{
    private readonly KeyValuePair<string, object?> _sourceTag = new("source", sourceName);

    public OffsetTracker Offsets { get; } = new();

    /// <summary>Set once the run has drained: from then on revoked partitions are committed.</summary>
    public bool Drained { get; private set; }

    private KafkaPosition? _requested;

    /// <summary>A checkpoint completed: its position is committed at the next poll (thread-safe).</summary>
    public void RequestCommit(KafkaPosition position) => Volatile.Write(ref _requested, position);

    /// <summary>Commits the latest completed checkpoint, if one is waiting; before each poll, on the polling thread.</summary>
    public void CommitRequested(IConsumer<TKey, TValue> consumer)
    {
        if (Volatile.Read(ref _requested) is not { } position) return;
        Interlocked.CompareExchange(ref _requested, null, position);
        var offsets = Offsets.Committable(position);
        if (offsets.Count > 0) TryCommit(consumer, offsets);
    }

    private bool TryCommit(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> offsets)
    {
        try
        {
            consumer.Commit(offsets);
            Committed(offsets);
            return true;
        }
        catch (KafkaException ex)
        {
            KafkaLog.CommitFailed(logger, ex, sourceName, Describe(offsets));
            return false;
        }
    }

    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<TKey, TValue> consumer, List<TopicPartition> partitions)
    {
        var starts = Offsets.Assign(partitions);
        if (partitions.Count > 0)
        {
            KafkaLog.Assigned(logger, sourceName, Describe(starts));
            options.OnPartitionsAssigned?.Invoke(partitions);
        }

        return starts;
    }

    public void OnRevoked(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = partitions.Select(p => p.TopicPartition).ToList();
        string outcome;
        if (Drained)
        {
            var offsets = Offsets.Uncommitted(revoked);
            outcome = offsets.Count == 0 ? "nothing new to commit" : TryCommit(consumer, offsets) ? "committed " + Describe(offsets) : "commit failed";
        }
        else
        {
            // The latest completed checkpoint covers what has reached the sinks; what was read after it is read
            // again by the next owner.
            var offsets = Volatile.Read(ref _requested) is { } position ? Offsets.Committable(position, revoked) : [];
            outcome = offsets.Count == 0
                ? "committed up to the last checkpoint; records read since are read again by the next owner"
                : TryCommit(consumer, offsets) ? $"committed the last checkpoint {Describe(offsets)}; records read since are read again by the next owner" : "commit failed";
        }

        Offsets.Release(revoked);
        if (revoked.Count > 0)
        {
            KafkaLog.Revoked(logger, sourceName, outcome, string.Join(", ", revoked));
            options.OnPartitionsRevoked?.Invoke(revoked);
        }
    }

    public void OnLost(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        var lost = partitions.Select(p => p.TopicPartition).ToList();
        Offsets.Forget(lost);
        KafkaLog.Lost(logger, sourceName, string.Join(", ", lost));
        options.OnPartitionsRevoked?.Invoke(lost);
    }

    /// <summary>
    /// Commits the position of every partition this instance owns. While the group is rebalancing,
    /// <paramref name="serveGroup"/> polls so the rebalance can finish (the revocation handler then commits what
    /// is revoked), and the commit is retried for what is still owned, until the commit timeout.
    /// </summary>
    public async ValueTask CommitAfterDrainAsync(IConsumer<TKey, TValue> consumer, Action serveGroup, CancellationToken cancellationToken)
    {
        Drained = true;

        // A network deadline, like librdkafka's own timeouts: real time, not the run's (possibly scripted) clock.
        long deadline = Stopwatch.GetTimestamp() + (long)(options.CommitTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var offsets = Offsets.Uncommitted(consumer.Assignment);
            if (offsets.Count == 0) return;
            try
            {
                consumer.Commit(offsets);
                Committed(offsets);
                return;
            }
            catch (KafkaException ex) when (IsRebalance(ex) && Stopwatch.GetTimestamp() < deadline)
            {
                KafkaLog.CommitDuringRebalance(logger, sourceName, ex.Error.Reason);
                cancellationToken.ThrowIfCancellationRequested();
                serveGroup();
                await Task.Yield();
            }
            catch (KafkaException ex)
            {
                var error = new Error(ex.Error.Code,
                    $"Committing offsets {Describe(offsets)} of group '{options.GroupId}' failed: {ex.Error.Reason}. The records since the last commit will be read again.");
                throw new KafkaException(error, ex);
            }
        }
    }

    private void Committed(List<TopicPartitionOffset> offsets)
    {
        Offsets.MarkCommitted(offsets);
        KafkaMetrics.OffsetCommits.Add(offsets.Count, _sourceTag);
        KafkaLog.Committed(logger, sourceName, Describe(offsets));
    }

    private static bool IsRebalance(KafkaException ex) =>
        IsRebalance(ex.Error.Code) || (ex is TopicPartitionOffsetException partial && partial.Results.Any(r => IsRebalance(r.Error.Code)));

    private static bool IsRebalance(ErrorCode code) => code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration
        or ErrorCode.UnknownMemberId or ErrorCode.Local_State or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress;

    private static string Describe(IEnumerable<TopicPartitionOffset> offsets) =>
        string.Join(", ", offsets.Select(o => o.Offset == Offset.Unset ? $"{o.Topic} [{o.Partition.Value}] from committed" : $"{o.Topic} [{o.Partition.Value}] @{o.Offset.Value}"));
}
