using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// The source's bookkeeping of what it may commit: for every partition this instance owns, the offset after the
/// last record it handed to the pipeline (or skipped, or dead-lettered), and what it committed last.
/// </summary>
/// <remarks>
/// A partition revoked in the middle of a run is not committed: records read from it may still sit in open
/// windows, so its next owner starts from the last committed offset (at-least-once). Its position is kept until
/// the next assignment only, so that under the eager protocol — which revokes everything and assigns again — a
/// partition that comes straight back resumes where this instance left off instead of re-reading.
/// </remarks>
internal sealed class OffsetTracker
{
    private readonly Dictionary<TopicPartition, long> _next = [];
    private readonly Dictionary<TopicPartition, long> _committed = [];
    private readonly Dictionary<TopicPartition, long> _released = [];

    /// <summary>The record at <paramref name="offset"/> has been handed to the pipeline, skipped or dead-lettered.</summary>
    public void Handled(TopicPartition partition, long offset) => _next[partition] = offset + 1;

    /// <summary>The next offset to commit for <paramref name="partition"/>, if any record of it was handled.</summary>
    public long? Next(TopicPartition partition) => _next.TryGetValue(partition, out long next) ? next : null;

    /// <summary>Partitions assigned to this instance: where each starts. <see cref="Offset.Unset"/> means the committed offset.</summary>
    public List<TopicPartitionOffset> Assign(IEnumerable<TopicPartition> assigned)
    {
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in assigned)
        {
            if (_released.Remove(partition, out long resume))
            {
                _next[partition] = resume;
                starts.Add(new TopicPartitionOffset(partition, resume));
            }
            else
            {
                starts.Add(new TopicPartitionOffset(partition, Offset.Unset));
            }
        }

        _released.Clear();
        return starts;
    }

    /// <summary>Partitions revoked without a commit: remembered until the next assignment.</summary>
    public void Release(IEnumerable<TopicPartition> revoked)
    {
        foreach (var partition in revoked)
        {
            if (_next.Remove(partition, out long next)) _released[partition] = next;
            _committed.Remove(partition);
        }
    }

    /// <summary>Partitions lost (this instance was dropped from the group): someone else may own them already.</summary>
    public void Forget(IEnumerable<TopicPartition> lost)
    {
        foreach (var partition in lost)
        {
            _next.Remove(partition);
            _committed.Remove(partition);
            _released.Remove(partition);
        }
    }

    /// <summary>Positions of <paramref name="partitions"/> that moved since their last commit.</summary>
    public List<TopicPartitionOffset> Uncommitted(IEnumerable<TopicPartition> partitions)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (!_next.TryGetValue(partition, out long next)) continue;
            if (_committed.TryGetValue(partition, out long committed) && committed == next) continue;
            offsets.Add(new TopicPartitionOffset(partition, next));
        }

        return offsets;
    }

    /// <summary>Records a successful commit.</summary>
    public void MarkCommitted(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets) _committed[offset.TopicPartition] = offset.Offset.Value;
    }
}
