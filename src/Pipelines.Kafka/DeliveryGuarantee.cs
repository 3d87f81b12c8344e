namespace Pipelines.Kafka;

/// <summary>What a <see cref="KafkaSink{T, TKey, TValue}"/> promises about each result after a failure and a restart.</summary>
public enum DeliveryGuarantee
{
    /// <summary>
    /// The default: an idempotent producer; every result is written, and results produced again after a restart
    /// (the records read since the last commit) are written again. Results are visible as soon as they are written.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// A transactional producer: the results between two checkpoints go into one Kafka transaction, committed when
    /// the checkpoint is stored, so a <c>read_committed</c> consumer sees every result exactly once. Results become
    /// visible only when their checkpoint completes (up to <see cref="StreamingOptions.CheckpointInterval"/> later).
    /// Requires <see cref="StreamingOptions.CheckpointStorage"/>; see <see cref="KafkaSinkOptions{TKey, TValue}.Guarantee"/>.
    /// </summary>
    ExactlyOnce,
}
