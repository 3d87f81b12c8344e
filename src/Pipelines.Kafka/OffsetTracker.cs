using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The source's bookkeeping of what it may commit: for every partition this instance owns, the offset after the
/// last record it handed to the pipeline (or skipped, or dead-lettered), the ownership it belongs to, and what it
/// committed last. Thread-safe: checkpoint positions are taken on the executor's thread while the consumer may be
/// polling (and rebalancing) on another.
/// </summary>
/// <remarks>
/// <para>Each assignment of a partition starts a new ownership (an epoch). A checkpoint position records the epoch
/// of each offset, and is committed only for partitions still owned in that epoch: an offset read before a
/// partition went to another instance is never committed over that instance's progress.</para>
/// <para>A revoked partition's position is kept until the next assignment only, so that under the eager protocol —
/// which revokes everything and assigns again — a partition that comes straight back resumes where this instance
/// left off, in the same epoch, instead of re-reading.</para>
/// </remarks>
internal sealed class OffsetTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TopicPartition, Owned> _owned = [];
    private readonly Dictionary<TopicPartition, Owned> _released = [];
    private long _epochs;

    /// <summary>The record at <paramref name="offset"/> has been handed to the pipeline, skipped or dead-lettered.</summary>
    public void Handled(TopicPartition partition, long offset)
    {
        lock (_gate)
        {
            if (_owned.TryGetValue(partition, out var owned)) owned.Next = offset + 1;
            else _owned[partition] = new Owned { Next = offset + 1, Epoch = ++_epochs };
        }
    }

    /// <summary>Partitions assigned to this instance: where each starts. <see cref="Offset.Unset"/> means the committed offset.</summary>
    public List<TopicPartitionOffset> Assign(IEnumerable<TopicPartition> assigned)
    {
        lock (_gate)
        {
            var starts = new List<TopicPartitionOffset>();
            foreach (var partition in assigned)
            {
                if (_released.Remove(partition, out var resumed))
                {
                    _owned[partition] = resumed;
                    starts.Add(new TopicPartitionOffset(partition, resumed.Next));
                }
                else
                {
                    _owned[partition] = new Owned { Next = -1, Epoch = ++_epochs };
                    starts.Add(new TopicPartitionOffset(partition, Offset.Unset));
                }
            }

            _released.Clear();
            return starts;
        }
    }

    /// <summary>Partitions revoked: remembered (with their epoch) until the next assignment.</summary>
    public void Release(IEnumerable<TopicPartition> revoked)
    {
        lock (_gate)
        {
            foreach (var partition in revoked)
            {
                if (_owned.Remove(partition, out var owned) && owned.Next >= 0) _released[partition] = owned;
            }
        }
    }

    /// <summary>Partitions lost (this instance was dropped from the group): someone else may own them already.</summary>
    public void Forget(IEnumerable<TopicPartition> lost)
    {
        lock (_gate)
        {
            foreach (var partition in lost)
            {
                _owned.Remove(partition);
                _released.Remove(partition);
            }
        }
    }

    /// <summary>Positions of the owned <paramref name="partitions"/> that moved since their last commit.</summary>
    public List<TopicPartitionOffset> Uncommitted(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            var offsets = new List<TopicPartitionOffset>();
            foreach (var partition in partitions)
            {
                if (!_owned.TryGetValue(partition, out var owned) || owned.Next < 0 || owned.Committed == owned.Next) continue;
                offsets.Add(new TopicPartitionOffset(partition, owned.Next));
            }

            return offsets;
        }
    }

    /// <summary>A checkpoint: the position of every owned partition after the records handed out so far.</summary>
    public KafkaPosition Capture()
    {
        lock (_gate)
        {
            var entries = new List<KafkaPosition.Entry>(_owned.Count);
            foreach (var (partition, owned) in _owned)
            {
                if (owned.Next >= 0) entries.Add(new KafkaPosition.Entry(partition, owned.Next, owned.Epoch));
            }

            return new KafkaPosition(entries);
        }
    }

    /// <summary>
    /// The offsets of <paramref name="position"/> worth committing: partitions still owned in the epoch the position
    /// saw, past their last commit, and (when given) among <paramref name="only"/>.
    /// </summary>
    public List<TopicPartitionOffset> Committable(KafkaPosition position, ICollection<TopicPartition>? only = null)
    {
        lock (_gate)
        {
            var offsets = new List<TopicPartitionOffset>();
            foreach (var entry in position.Entries)
            {
                if (only is not null && !only.Contains(entry.Partition)) continue;
                if (!_owned.TryGetValue(entry.Partition, out var owned) || owned.Epoch != entry.Epoch) continue;
                if (owned.Committed >= entry.Next) continue;
                offsets.Add(new TopicPartitionOffset(entry.Partition, entry.Next));
            }

            return offsets;
        }
    }

    /// <summary>Records a successful commit.</summary>
    public void MarkCommitted(IEnumerable<TopicPartitionOffset> offsets)
    {
        lock (_gate)
        {
            foreach (var offset in offsets)
            {
                if (_owned.TryGetValue(offset.TopicPartition, out var owned)) owned.Committed = Math.Max(owned.Committed, offset.Offset.Value);
            }
        }
    }

    private sealed class Owned
    {
        /// <summary>The offset after the last record handled, or −1 before the first.</summary>
        public long Next;

        public long Epoch;

        public long Committed = -1;
    }
}

/// <summary>A Kafka source's checkpoint position: the next offset of each owned partition, with the ownership it was read in.</summary>
internal sealed class KafkaPosition(List<KafkaPosition.Entry> entries)
{
    public IReadOnlyList<Entry> Entries { get; } = entries;

    public readonly record struct Entry(TopicPartition Partition, long Next, long Epoch);
}
