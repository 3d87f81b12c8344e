using Pipelines;

namespace SensorMaintenance;

/// <summary>
/// One definition, used directly and under the host: readings → by machine →
/// (a) session windows (a run ends after <see cref="RunGap"/> without readings) → <see cref="RunStats"/> per run;
/// (b) sliding windows of <see cref="RollingWindow"/> every <see cref="RollingSlide"/> → mean vibration, which
/// the board compares with the machine's nominal vibration to spot drift.
/// </summary>
public static class SensorPipeline
{
    public const string Name = "sensor-maintenance";

    public static readonly TimeSpan RunGap = TimeSpan.FromMinutes(3);

    public static readonly TimeSpan RollingWindow = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan RollingSlide = TimeSpan.FromMinutes(5);

    public static void Define(PipelineBuilder p, Source<SensorReading> source, MaintenanceBoard board)
    {
        var byMachine = p.From(source)
            .WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
            .KeyBy(r => r.Machine);

        byMachine.Window(Pipelines.Windows.Session(RunGap))
                 .Aggregate(new RunStatsAggregator())
                 .To(Sinks.Action<WindowResult<string, RunStats>>(board.OnRun, "machine runs"));

        byMachine.Window(Pipelines.Windows.Sliding(RollingWindow, RollingSlide))
                 .Average(r => r.Vibration)
                 .To(Sinks.Action<WindowResult<string, double>>(board.OnRollingAverage, "rolling averages"));
    }
}
