namespace Pipelines.Diagnostics;

/// <summary>The counters of one operator instance, with its tags (pipeline, operator, worker) built once.</summary>
internal sealed class OperatorTelemetry
{
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly KeyValuePair<string, object?>[][] _paneTags;

    public OperatorTelemetry(string pipeline, string operatorName, int worker)
    {
        _tags = [new("pipeline", pipeline), new("operator", operatorName), new("worker", worker)];
        _paneTags = [WithTiming("early"), WithTiming("on_time"), WithTiming("late")];
    }

    public static OperatorTelemetry None { get; } = new("none", "none", 0);

    public void ElementsIn(long count)
    {
        if (Telemetry.ElementsIn.Enabled) Telemetry.ElementsIn.Add(count, _tags);
    }

    public void ElementsOut(long count)
    {
        if (Telemetry.ElementsOut.Enabled) Telemetry.ElementsOut.Add(count, _tags);
    }

    public void LateDropped()
    {
        if (Telemetry.LateDropped.Enabled) Telemetry.LateDropped.Add(1, _tags);
    }

    public void Skipped()
    {
        if (Telemetry.Skipped.Enabled) Telemetry.Skipped.Add(1, _tags);
    }

    public void DeadLettered()
    {
        if (Telemetry.DeadLettered.Enabled) Telemetry.DeadLettered.Add(1, _tags);
    }

    public void Pane(PaneTiming timing)
    {
        if (Telemetry.Panes.Enabled) Telemetry.Panes.Add(1, _paneTags[(int)timing]);
    }

    public void BatchDuration(double milliseconds)
    {
        if (Telemetry.BatchDuration.Enabled) Telemetry.BatchDuration.Record(milliseconds, _tags);
    }

    private KeyValuePair<string, object?>[] WithTiming(string timing) => [.. _tags, new("timing", timing)];
}
