using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// A repartition reader's checkpoint offsets as its group took them, when an exactly-once sink commits its results
/// with them: the transaction carries them to the group first, and the reader commits them again once the checkpoint
/// completed. A broker stores them with the transaction; one that ignores offsets sent to transactions (librdkafka's
/// mock cluster) has only the reader's own commit, which the group refuses while it rebalances. A partition that moves
/// with offsets refused and not committed since is said (<see cref="RepartitionLog.TransactionOffsetsRefused"/>): on
/// such a broker its next owner starts at the previous commit and commits those results again. Thread-safe: commits
/// complete on librdkafka's threads, revocations run on the reading thread.
/// </summary>
internal sealed class TransactionOffsets(string topic, ILogger logger)
{
    private readonly Dictionary<int, (long Offset, string Reason)> _refused = [];
    private readonly Dictionary<int, long> _committed = [];
    private readonly Lock _lock = new();

    /// <summary>The group refused these offsets of a completed checkpoint.</summary>
    public void Refused(IEnumerable<TopicPartitionOffset> offsets, string reason)
    {
        lock (_lock)
        {
            foreach (var o in offsets)
            {
                if (!_refused.TryGetValue(o.Partition.Value, out var known) || known.Offset < o.Offset.Value) _refused[o.Partition.Value] = (o.Offset.Value, reason);
            }
        }
    }

    /// <summary>The group took these offsets.</summary>
    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        lock (_lock)
        {
            foreach (var o in offsets) _committed[o.Partition.Value] = Math.Max(o.Offset.Value, _committed.GetValueOrDefault(o.Partition.Value, -1));
        }
    }

    /// <summary>The partitions move to another instance: those whose last checkpoint offsets the group refused are said, and forgotten.</summary>
    public void Moved(IEnumerable<TopicPartition> partitions, string sink)
    {
        var lost = new List<string>();
        string reason = "";
        lock (_lock)
        {
            foreach (var p in partitions)
            {
                int partition = p.Partition.Value;
                if (_refused.Remove(partition, out var refused) && refused.Offset > _committed.GetValueOrDefault(partition, -1))
                {
                    lost.Add($"[{partition}] @{refused.Offset}");
                    reason = refused.Reason;
                }

                _committed.Remove(partition);
            }
        }

        if (lost.Count > 0) RepartitionLog.TransactionOffsetsRefused(logger, topic, string.Join(", ", lost), reason, sink);
    }
}
