using System.Diagnostics.Metrics;

namespace Pipelines.Kafka;

/// <summary>
/// The <c>Pipelines.Kafka</c> meter: records the source could not deserialize (also counted by the run, in
/// <see cref="RunSummary"/> and the <c>Pipelines</c> meter's skipped and dead-lettered counters, like every
/// connector's bad records), offsets it committed, and the exactly-once sink's transactions.
/// </summary>
internal static class KafkaMetrics
{
    public const string MeterName = "Pipelines.Kafka";

    private static readonly Meter Meter = new(MeterName, typeof(KafkaMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> RecordsSkipped = Meter.CreateCounter<long>(
        "pipelines.kafka.records.skipped", "{record}", "Records skipped because their key or value could not be deserialized.");

    public static readonly Counter<long> RecordsDeadLettered = Meter.CreateCounter<long>(
        "pipelines.kafka.records.dead_lettered", "{record}", "Records dead-lettered because their key or value could not be deserialized.");

    public static readonly Counter<long> OffsetCommits = Meter.CreateCounter<long>(
        "pipelines.kafka.offsets.committed", "{partition}", "Partition offsets committed after a drain or a revocation after a drain.");

    public static readonly Counter<long> TransactionsCommitted = Meter.CreateCounter<long>(
        "pipelines.kafka.transactions.committed", "{transaction}", "Transactions an exactly-once Kafka sink committed (one per checkpoint, and one at the end of the input).");

    public static readonly Counter<long> TransactionsAborted = Meter.CreateCounter<long>(
        "pipelines.kafka.transactions.aborted", "{transaction}", "Transactions an exactly-once Kafka sink aborted because its run failed or was cancelled.");

    public static readonly Counter<long> ResultsWithdrawn = Meter.CreateCounter<long>(
        "pipelines.kafka.sink.results.withdrawn", "{result}", "Results an exactly-once Kafka sink after moving state held for its next transaction and dropped because their partition's state moved to another instance, which emits them again.");
}
