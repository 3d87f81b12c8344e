using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipelines.Time;

namespace Pipelines.Diagnostics;

/// <summary>
/// One run's view for the observable instruments: the watermark of every event-time assignment and the
/// occupancy of every stage channel, read when a listener collects.
/// </summary>
internal sealed class RunTelemetry(string pipeline, string executor, TimeProvider timeProvider)
{
    private readonly ConcurrentBag<(string Operator, int Worker, Func<long> Watermark)> _watermarks = [];
    private readonly ConcurrentBag<(string Stage, int Worker, Func<int> Occupancy)> _channels = [];

    public string Pipeline { get; } = pipeline;

    public string Executor { get; } = executor;

    public OperatorTelemetry For(string operatorName, int worker) => new(Pipeline, operatorName, worker);

    public void AddWatermark(string operatorName, int worker, Func<long> watermark) => _watermarks.Add((operatorName, worker, watermark));

    public void AddChannel(string stage, int worker, Func<int> occupancy) => _channels.Add((stage, worker, occupancy));

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
        long now = EventTime.FromDateTimeOffset(timeProvider.GetUtcNow());
        foreach (var (op, worker, read) in _watermarks)
        {
            long w = read();
            if (w is EventTime.MinWatermark or EventTime.MaxWatermark) continue;
            yield return new Measurement<double>((now - w) / (double)TimeSpan.TicksPerMillisecond, Tags(op, worker));
        }
    }

    public IEnumerable<Measurement<int>> ChannelOccupancy()
    {
        foreach (var (stage, worker, read) in _channels) yield return new Measurement<int>(read(), Tags(stage, worker));
    }

    private KeyValuePair<string, object?>[] Tags(string op, int worker) =>
        [new("pipeline", Pipeline), new("operator", op), new("worker", worker)];
}
