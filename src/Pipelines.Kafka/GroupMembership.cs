using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// This instance's side of the consumer-group protocol: where newly assigned partitions start, what happens to
/// revoked and lost ones, and the commit once the run has drained. Called from inside the consumer's poll (the
/// rebalance handlers) and from the reader, never concurrently.
/// </summary>
/// <remarks>
/// Before the drain nothing is committed: a revoked partition's records may still sit in open windows, so its
/// next owner reads again from the last commit. After the drain everything handed out has reached the sinks, so
/// the owned partitions are committed, and so is any partition revoked from then on (closing the consumer, or a
/// rebalance that interrupts the final commit).
/// </remarks>
internal sealed class GroupMembership<TKey, TValue>(KafkaSourceOptions<TKey, TValue> options, string sourceName, ILogger logger)
{
    private readonly KeyValuePair<string, object?> _sourceTag = new("source", sourceName);

    public OffsetTracker Offsets { get; } = new();

    /// <summary>Set once the run has drained: from then on revoked partitions are committed.</summary>
    public bool Drained { get; private set; }

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
        string outcome = "not committed: the run has not drained";
        if (Drained)
        {
            var offsets = Offsets.Uncommitted(revoked);
            outcome = "nothing new to commit";
            if (offsets.Count > 0)
            {
                try
                {
                    consumer.Commit(offsets);
                    Committed(offsets);
                    outcome = "committed " + Describe(offsets);
                }
                catch (KafkaException ex)
                {
                    KafkaLog.CommitFailed(logger, ex, sourceName, Describe(offsets));
                    outcome = "commit failed";
                }
            }
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
