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
    private readonly Dictionary<TopicPartition, long> _restored = [];
    private long _epochs;

    /// <summary>Tracks a reader that starts each partition of <paramref name="restored"/> at its offset, the first time it is assigned.</summary>
    /// <param name="restored">A position to start from, or null to start at the group's committed offsets.</param>
    public OffsetTracker(KafkaPosition? restored = null)
    {
        if (restored is null) return;
        foreach (var entry in restored.Partitions)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(restored));
            if (entry.NextOffset < 0)
            {
                throw new ArgumentException($"The position of topic '{entry.Topic}' partition {entry.Partition} has a negative offset ({entry.NextOffset}).", nameof(restored));
            }

            _restored[new TopicPartition(entry.Topic, new Partition(entry.Partition))] = entry.NextOffset;
        }
    }

    /// <summary>The record at <paramref name="offset"/> has been handed to the pipeline, skipped or dead-lettered.</summary>
    public void Handled(TopicPartition partition, long offset)
    {
        lock (_gate)
        {
            if (_owned.TryGetValue(partition, out var owned))
            {
                if (owned.Start < 0) owned.Start = offset;
                owned.Next = offset + 1;
            }
            else
            {
                _owned[partition] = new Owned { Next = offset + 1, Start = offset, Epoch = ++_epochs };
            }
        }
    }

    /// <summary>
    /// Partitions assigned to this instance: where each starts. <see cref="Offset.Unset"/> means the committed offset;
    /// a partition of the restored position starts at its offset the first time it is assigned.
    /// </summary>
    /// <param name="assigned">The partitions.</param>
    /// <param name="resume">False when state moves with the partitions: a partition revoked and assigned again starts at the committed offset too (its state was dropped, and is stored only with that offset).</param>
    /// <param name="readAgain">
    /// Filled, when given, with the revoked partitions that do not resume here (gone to another instance, or starting
    /// again at the committed offset) and the records of each read past its last commit: read again from there.
    /// </param>
    public List<TopicPartitionOffset> Assign(IEnumerable<TopicPartition> assigned, bool resume = true, List<(TopicPartition Partition, long Records)>? readAgain = null)
    {
        lock (_gate)
        {
            var starts = new List<TopicPartitionOffset>();
            foreach (var partition in assigned)
            {
                if (resume && _released.Remove(partition, out var resumed))
                {
                    _owned[partition] = resumed;
                    starts.Add(new TopicPartitionOffset(partition, resumed.Next));
                }
                else if (_restored.Remove(partition, out long restored))
                {
                    _owned[partition] = new Owned { Next = restored, Start = restored, Epoch = ++_epochs };
                    starts.Add(new TopicPartitionOffset(partition, restored));
                }
                else
                {
                    _owned[partition] = new Owned { Next = -1, Epoch = ++_epochs };
                    starts.Add(new TopicPartitionOffset(partition, Offset.Unset));
                }
            }

            if (readAgain is not null)
            {
                foreach (var (partition, released) in _released) readAgain.Add((partition, PastCommit(released)));
            }

            _released.Clear();
            return starts;
        }
    }

    /// <summary>Partitions that start at the group's committed offset, now known: positions include them from the start.</summary>
    public void StartAt(IEnumerable<TopicPartitionOffset> starts)
    {
        lock (_gate)
        {
            foreach (var start in starts)
            {
                if (start.Offset.Value >= 0 && _owned.TryGetValue(start.TopicPartition, out var owned) && owned.Next < 0)
                {
                    owned.Next = start.Offset.Value;
                    owned.Start = start.Offset.Value;
                    owned.Committed = start.Offset.Value;
                }
            }
        }
    }

    /// <summary>
    /// How many records of an owned partition this instance has handed out past the partition's last commit (or, with
    /// no commit known, past where its ownership started): what the partition's next owner reads again if it goes now.
    /// </summary>
    public long PastCommit(TopicPartition partition)
    {
        lock (_gate) return _owned.TryGetValue(partition, out var owned) ? PastCommit(owned) : 0;
    }

    /// <summary>
    /// The revoked partitions that are gone for good (this instance leaves the group), with the records of each read past
    /// its last commit; forgotten.
    /// </summary>
    public List<(TopicPartition Partition, long Records)> TakeReleased()
    {
        lock (_gate)
        {
            var gone = _released.Select(r => (r.Key, PastCommit(r.Value))).ToList();
            _released.Clear();
            return gone;
        }
    }

    private static long PastCommit(Owned owned)
    {
        if (owned.Next < 0) return 0;
        long from = owned.Committed >= 0 ? owned.Committed : owned.Start;
        return from >= 0 ? Math.Max(0, owned.Next - from) : 0;
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
            var entries = new List<KafkaPartitionPosition>(_owned.Count);
            foreach (var (partition, owned) in _owned)
            {
                if (owned.Next >= 0) entries.Add(new KafkaPartitionPosition(partition.Topic, partition.Partition.Value, owned.Next, owned.Epoch));
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
            foreach (var entry in position.Partitions)
            {
                var partition = new TopicPartition(entry.Topic, new Partition(entry.Partition));
                if (only is not null && !only.Contains(partition)) continue;
                if (!_owned.TryGetValue(partition, out var owned) || owned.Epoch != entry.Epoch) continue;
                if (owned.Committed >= entry.NextOffset) continue;
                offsets.Add(new TopicPartitionOffset(partition, entry.NextOffset));
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

        /// <summary>The first offset of this ownership, or −1 while unknown.</summary>
        public long Start = -1;

        public long Committed = -1;
    }
}
