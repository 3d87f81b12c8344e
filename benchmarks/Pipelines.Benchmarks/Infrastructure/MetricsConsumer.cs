using System.Diagnostics.Metrics;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// Listens to every instrument of the library's meter as a metrics exporter does (OpenTelemetry's
/// <c>AddMeter("Pipelines")</c>, the dashboard): each measurement is added to a sum per (instrument, tag set) under a
/// lock. The --repeat mode's --metrics: what a run costs when its metrics are collected.
/// </summary>
internal sealed class MetricsConsumer : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(Instrument, int), double> _sums = [];

    public MetricsConsumer()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Measurements taken so far.</summary>
    public long Measurements { get; private set; }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = new HashCode();
        foreach (var tag in tags)
        {
            hash.Add(tag.Key);
            hash.Add(tag.Value);
        }

        var series = (instrument, hash.ToHashCode());
        lock (_sums)
        {
            _sums[series] = _sums.GetValueOrDefault(series) + value;
            Measurements++;
        }
    }

    public void Dispose() => _listener.Dispose();
}
