using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pipelines.Diagnostics;

/// <summary>
/// The library's instruments: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="Name"/>, so OpenTelemetry (or
/// <c>dotnet-counters</c>) picks them up with <c>AddMeter("Pipelines")</c> / <c>AddSource("Pipelines")</c>.
/// Recording costs a field check when nobody listens.
/// </summary>
internal static class Telemetry
{
    public const string Name = "Pipelines";

    private static readonly string? Version = typeof(Telemetry).Assembly.GetName().Version?.ToString();

    public static readonly Meter Meter = new(Name, Version);

    public static readonly ActivitySource ActivitySource = new(Name, Version);

    public static readonly Counter<long> ElementsIn = Meter.CreateCounter<long>(
        "pipelines.elements.in", "{element}", "Elements read by a source or received by a stage worker.");

    public static readonly Counter<long> ElementsOut = Meter.CreateCounter<long>(
        "pipelines.elements.out", "{element}", "Elements emitted by an operator.");

    public static readonly Counter<long> LateDropped = Meter.CreateCounter<long>(
        "pipelines.elements.late_dropped", "{element}", "Elements later than their windows' allowed lateness.");

    public static readonly Counter<long> Skipped = Meter.CreateCounter<long>(
        "pipelines.elements.skipped", "{element}", "Elements whose user function threw under ErrorPolicy.Skip.");

    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>(
        "pipelines.elements.dead_lettered", "{element}", "Elements whose user function threw under ErrorPolicy.DeadLetter.");

    public static readonly Counter<long> Panes = Meter.CreateCounter<long>(
        "pipelines.panes", "{pane}", "Window results emitted, tagged with their timing (early, on_time, late).");

    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "pipelines.batch.duration", "ms", "Time a stage worker spent on one input batch, downstream fused operators included.");

    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>(
        "pipelines.checkpoint.duration", "ms", "Time from a checkpoint's barrier injection to the end of its commits, tagged with its kind (checkpoint, savepoint).");

    public static readonly Histogram<long> CheckpointSize = Meter.CreateHistogram<long>(
        "pipelines.checkpoint.size", "By", "Bytes a completed checkpoint wrote to its storage: state parts and manifest.");

    public static readonly Histogram<double> CheckpointAlignment = Meter.CreateHistogram<double>(
        "pipelines.checkpoint.alignment", "ms", "Time a stage worker waited between the first and the last of its inputs passing a checkpoint barrier.");

    public static readonly Counter<long> CheckpointsCompleted = Meter.CreateCounter<long>(
        "pipelines.checkpoints.completed", "{checkpoint}", "Checkpoints completed (stored and committed), tagged with their kind (checkpoint, savepoint).");

    public static readonly Counter<long> CheckpointsFailed = Meter.CreateCounter<long>(
        "pipelines.checkpoints.failed", "{checkpoint}", "Checkpoints that failed: tolerated ones (aborted) and the one that failed the run.");

    public static readonly Counter<long> Restores = Meter.CreateCounter<long>(
        "pipelines.checkpoint.restores", "{restore}", "Runs started from a stored checkpoint or savepoint.");

    public static readonly Histogram<double> RestoreDuration = Meter.CreateHistogram<double>(
        "pipelines.checkpoint.restore.duration", "ms", "Time a run took to load a checkpoint and restore every worker's state from it.");

    public static readonly Histogram<double> PartitionRestoreDuration = Meter.CreateHistogram<double>(
        "pipelines.state.partition.restore.duration", "ms", "Time a keyed stage took to load and restore the state of a partition it was assigned (state that moves with an exchange's partitions).");

    public static readonly Histogram<long> PartitionRestoreBytes = Meter.CreateHistogram<long>(
        "pipelines.state.partition.restore.bytes", "By", "Size of the snapshot a keyed stage restored for a partition it was assigned.");

    private static readonly ConcurrentDictionary<RunTelemetry, byte> ActiveRuns = new();

    static Telemetry()
    {
        Meter.CreateObservableGauge("pipelines.watermark", () => Observe(static run => run.Watermarks()), "ms",
            "Current watermark per event-time assignment, in Unix milliseconds.");
        Meter.CreateObservableGauge("pipelines.watermark.lag", () => Observe(static run => run.WatermarkLags()), "ms",
            "Processing time minus the current watermark.");
        Meter.CreateObservableGauge("pipelines.channel.occupancy", () => Observe(static run => run.ChannelOccupancy()), "{message}",
            "Messages waiting in a stage worker's input channel (streaming executor).");
        Meter.CreateObservableGauge("pipelines.checkpoint.last_completed", () => Observe(static run => run.LastCompletedCheckpoint()), "{checkpoint}",
            "The id of the last checkpoint the run completed.");
        Meter.CreateObservableCounter("pipelines.task.time", () => Observe(static run => run.TaskTimes()), "s",
            "Time a task of the streaming executor (a source or a stage worker) spent by state: busy (processing), backpressured (waiting for room in a full output channel) or idle (waiting for input).");
    }

    public static void Register(RunTelemetry run) => ActiveRuns.TryAdd(run, 0);

    public static void Unregister(RunTelemetry run) => ActiveRuns.TryRemove(run, out _);

    private static IEnumerable<Measurement<T>> Observe<T>(Func<RunTelemetry, IEnumerable<Measurement<T>>> measure)
        where T : struct
        => ActiveRuns.Keys.SelectMany(measure).ToList();
}
