namespace Pipelines.Diagnostics;

/// <summary>
/// The counters of one operator instance, with its tags (pipeline, operator, worker) built once. Besides the
/// instruments it keeps its element counts and, for a task of the streaming executor, its <see cref="Clock"/>,
/// which <see cref="PipelineMonitor"/> snapshots read. One instance per (operator, worker) and run; an operator
/// fused into several producer chains (after a union) counts from each, hence the interlocked adds (per batch).
/// </summary>
internal sealed class OperatorTelemetry
{
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly KeyValuePair<string, object?>[][] _paneTags;

    /// <summary>Window results counted by <see cref="Pane"/> and not yet recorded, by <see cref="PaneTiming"/>.</summary>
    private readonly long[] _pendingPanes = new long[3];
    private long _in;
    private long _out;
    private TaskClock? _clock;

    public OperatorTelemetry(string pipeline, string operatorName, int worker)
    {
        Operator = operatorName;
        Worker = worker;
        _tags = [new("pipeline", pipeline), new("operator", operatorName), new("worker", worker)];
        _paneTags = [WithTiming("early"), WithTiming("on_time"), WithTiming("late")];
    }

    public static OperatorTelemetry None { get; } = new("none", "none", 0);

    public string Operator { get; }

    public int Worker { get; }

    /// <summary>Elements counted in so far.</summary>
    public long In => Volatile.Read(ref _in);

    /// <summary>Elements counted out so far.</summary>
    public long Out => Volatile.Read(ref _out);

    /// <summary>The busy / backpressured / idle clock of the task this is the telemetry of (created on first use, when the task is wired).</summary>
    public TaskClock Clock => LazyInitializer.EnsureInitialized(ref _clock);

    /// <summary>The clock, or null when no task uses one.</summary>
    public TaskClock? ClockIfStarted => Volatile.Read(ref _clock);

    /// <summary>The tags of this operator instance, with <paramref name="name"/> = <paramref name="value"/> added.</summary>
    public KeyValuePair<string, object?>[] TagsWith(string name, object? value) => [.. _tags, new(name, value)];

    public void ElementsIn(long count)
    {
        Interlocked.Add(ref _in, count);
        if (Telemetry.ElementsIn.Enabled) Telemetry.ElementsIn.Add(count, _tags);
    }

    public void ElementsOut(long count)
    {
        Interlocked.Add(ref _out, count);
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

    /// <summary>
    /// Counts a window result of <paramref name="timing"/>. Recorded by <see cref="FlushPanes"/>, once per input batch,
    /// watermark or tick rather than once per result: a metrics exporter's callback per result cost a windowed run
    /// with many small windows nearly half its speed.
    /// </summary>
    public void Pane(PaneTiming timing) => _pendingPanes[(int)timing]++;

    /// <summary>
    /// Records the results counted by <see cref="Pane"/> since the last call. Called by the keyed stage that emits them,
    /// on its worker's thread, after each input batch, watermark and processing-time tick, at the end and when the
    /// run is disposed.
    /// </summary>
    public void FlushPanes()
    {
        for (int timing = 0; timing < _pendingPanes.Length; timing++)
        {
            long count = _pendingPanes[timing];
            if (count == 0) continue;
            _pendingPanes[timing] = 0;
            if (Telemetry.Panes.Enabled) Telemetry.Panes.Add(count, _paneTags[timing]);
        }
    }

    public void BatchDuration(double milliseconds)
    {
        if (Telemetry.BatchDuration.Enabled) Telemetry.BatchDuration.Record(milliseconds, _tags);
    }

    /// <summary>The worker waited <paramref name="milliseconds"/> between its first and last input passing a checkpoint barrier.</summary>
    public void Alignment(double milliseconds)
    {
        if (Telemetry.CheckpointAlignment.Enabled) Telemetry.CheckpointAlignment.Record(milliseconds, _tags);
    }

    private KeyValuePair<string, object?>[] WithTiming(string timing) => TagsWith("timing", timing);
}
