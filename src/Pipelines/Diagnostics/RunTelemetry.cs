using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipelines.Time;

namespace Pipelines.Diagnostics;

/// <summary>
/// One run's view for the observable instruments and for <see cref="PipelineMonitor"/>: the telemetry of every
/// operator instance (one per operator and worker, so counts and clocks add up per operator), the watermark of
/// every event-time assignment, and the input channel and merged watermark of every stage worker, read when a
/// listener collects or a snapshot is taken.
/// </summary>
internal sealed class RunTelemetry(string pipeline, string executor, TimeProvider timeProvider)
{
    private readonly ConcurrentBag<(string Operator, int Worker, Func<long> Watermark)> _watermarks = [];
    private readonly ConcurrentBag<(string Stage, int Worker, Func<int> Occupancy, Func<long> Watermark)> _channels = [];
    private readonly ConcurrentDictionary<(string Operator, int Worker), OperatorTelemetry> _operators = new();

    public string Pipeline { get; } = pipeline;

    public string Executor { get; } = executor;

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>The telemetry of operator <paramref name="operatorName"/> on <paramref name="worker"/>; the same instance for the same pair.</summary>
    public OperatorTelemetry For(string operatorName, int worker) =>
        _operators.GetOrAdd((operatorName, worker), static (key, pipeline) => new OperatorTelemetry(pipeline, key.Operator, key.Worker), Pipeline);

    /// <summary>Every operator instance counted so far.</summary>
    public ICollection<OperatorTelemetry> Operators => _operators.Values;

    public void AddWatermark(string operatorName, int worker, Func<long> watermark) => _watermarks.Add((operatorName, worker, watermark));

    /// <summary>A stage worker: its input channel's occupancy and its merged input watermark.</summary>
    public void AddChannel(string stage, int worker, Func<int> occupancy, Func<long> watermark) => _channels.Add((stage, worker, occupancy, watermark));

    /// <summary>The watermarks emitted by event-time assignments, per (operator, worker).</summary>
    public IEnumerable<(string Operator, int Worker, long Watermark)> AssignedWatermarks() =>
        _watermarks.Select(static w => (w.Operator, w.Worker, w.Watermark()));

    /// <summary>The stage workers' input channels and merged watermarks.</summary>
    public IEnumerable<(string Stage, int Worker, int Occupancy, long Watermark)> StageWorkers() =>
        _channels.Select(static c => (c.Stage, c.Worker, c.Occupancy(), c.Watermark()));

    public IEnumerable<Measurement<long>> Watermarks()
    {
        foreach (var (op, worker, read) in _watermarks)
        {
            long w = read();
            if (w is EventTime.MinWatermark or EventTime.MaxWatermark) continue;
            yield return new Measurement<long>(w / TimeSpan.TicksPerMillisecond, Tags(op, worker));
        }
    }

    public IEnumerable<Measurement<double>> WatermarkLags()
    {
        long now = EventTime.FromDateTimeOffset(TimeProvider.GetUtcNow());
        foreach (var (op, worker, read) in _watermarks)
        {
            long w = read();
            if (w is EventTime.MinWatermark or EventTime.MaxWatermark) continue;
            yield return new Measurement<double>((now - w) / (double)TimeSpan.TicksPerMillisecond, Tags(op, worker));
        }
    }

    public IEnumerable<Measurement<int>> ChannelOccupancy()
    {
        foreach (var (stage, worker, read, _) in _channels) yield return new Measurement<int>(read(), Tags(stage, worker));
    }

    /// <summary>Seconds each task has been busy, backpressured and idle (tag <c>state</c>).</summary>
    public IEnumerable<Measurement<double>> TaskTimes()
    {
        foreach (var op in _operators.Values)
        {
            if (op.ClockIfStarted is not { } clock) continue;
            var (busy, backpressured, idle) = clock.Read();
            yield return new Measurement<double>(busy.TotalSeconds, op.TagsWith("state", "busy"));
            yield return new Measurement<double>(backpressured.TotalSeconds, op.TagsWith("state", "backpressured"));
            yield return new Measurement<double>(idle.TotalSeconds, op.TagsWith("state", "idle"));
        }
    }

    private long _lastCompletedCheckpoint;

    /// <summary>Checkpoint <paramref name="checkpoint"/> completed.</summary>
    public void CheckpointCompleted(long checkpoint) => Volatile.Write(ref _lastCompletedCheckpoint, checkpoint);

    /// <summary>The last completed checkpoint's id, once there is one.</summary>
    public IEnumerable<Measurement<long>> LastCompletedCheckpoint()
    {
        long last = Volatile.Read(ref _lastCompletedCheckpoint);
        if (last > 0) yield return new Measurement<long>(last, new KeyValuePair<string, object?>("pipeline", Pipeline));
    }

    private KeyValuePair<string, object?>[] Tags(string op, int worker) =>
        [new("pipeline", Pipeline), new("operator", op), new("worker", worker)];
}
