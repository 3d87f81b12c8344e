using Pipelines.Dashboard.Kafka;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard;

// The JSON shapes of the dashboard's API (camelCase on the wire). Rates are per second, from the last two samples;
// null until two samples exist and once the run has ended. Busy / backpressured / idle are milliseconds per second per worker (0 to 1000).

internal sealed record RunSummaryView(
    long Id, string Pipeline, string Executor, RunState State, string? Error, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    double UptimeSeconds, long ElementsRead, long ResultsWritten, long LateElementsDropped, long ElementsSkipped, long ElementsDeadLettered,
    long CheckpointsCompleted);

internal sealed record NodeView(
    string Id, string Name, NodeKind Kind, int Parallelism, string? Detail, bool HasTask,
    long ElementsIn, long ElementsOut, double? InPerSecond, double? OutPerSecond,
    double? BusyMsPerSecond, double? BackpressuredMsPerSecond, double? IdleMsPerSecond,
    DateTimeOffset? Watermark, double? WatermarkLagMs, int Queued, int QueueCapacity);

internal sealed record EdgeView(string From, string To, bool Channel, bool ByKey, int? Queued, int? QueueCapacity);

internal sealed record CheckpointsView(long Completed, long Failed, CheckpointView? Last, IReadOnlyList<CheckpointView> Recent);

internal sealed record CheckpointView(long Id, DateTimeOffset EndedAt, double DurationMs, long? SizeBytes, string? Error)
{
    public static CheckpointView? Of(CheckpointRecord? record) =>
        record is null ? null : new(record.Id, record.EndedAt, record.Duration.TotalMilliseconds, record.SizeBytes, record.Error);
}

internal sealed record HistoryPoint(long Time, double ReadPerSecond, double WrittenPerSecond, double? WatermarkLagMs);

internal sealed record RunView(RunSummaryView Run, IReadOnlyList<NodeView> Nodes, IReadOnlyList<EdgeView> Edges, CheckpointsView Checkpoints, IReadOnlyList<HistoryPoint> History, KafkaRunView Kafka);
