using Pipelines;

namespace SensorMaintenance;

/// <summary>Folds readings into <see cref="RunStats"/>; <see cref="Merge"/> joins two sessions when a reading bridges them.</summary>
public sealed class RunStatsAggregator : IAggregator<SensorReading, RunStats, RunStats>
{
    public RunStats CreateAccumulator() => new(0, 0, double.MinValue);

    public RunStats Add(RunStats run, SensorReading reading) =>
        new(run.Readings + 1, run.VibrationSum + reading.Vibration, Math.Max(run.MaxTemperature, reading.Temperature));

    public RunStats Merge(RunStats left, RunStats right) =>
        new(left.Readings + right.Readings, left.VibrationSum + right.VibrationSum, Math.Max(left.MaxTemperature, right.MaxTemperature));

    public RunStats GetResult(RunStats run) => run;
}
