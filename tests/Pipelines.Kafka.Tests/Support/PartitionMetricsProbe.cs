using System.Diagnostics.Metrics;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// Reads the per-partition instruments of one Kafka source reader (by its <c>source</c> tag) from the
/// <c>Pipelines.Kafka</c> meter: the observable gauges and counter when asked (<see cref="Observe"/>), the
/// assignment and revocation counters and the rebalance durations as they are recorded.
/// </summary>
internal sealed class PartitionMetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _source;
    private readonly Lock _gate = new();
    private readonly Lock _observing = new();
    private readonly Dictionary<string, long> _counters = [];
    private readonly List<double> _rebalances = [];
    private Dictionary<string, Dictionary<int, long>>? _observed;

    public PartitionMetricsProbe(string source)
    {
        _source = source;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines.Kafka") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!Tag(tags, "source", out var source) || (string?)source != _source) return;
            if (instrument.Name is "pipelines.kafka.partitions.assigned" or "pipelines.kafka.partitions.revoked" or "pipelines.kafka.records.read_again")
            {
                string key = Tag(tags, "reason", out var reason) ? $"{instrument.Name}:{reason}" : instrument.Name;
                lock (_gate) _counters[key] = _counters.GetValueOrDefault(key) + value;
                return;
            }

            if (_observed is { } observed && Tag(tags, "partition", out var partition))
            {
                if (!observed.TryGetValue(instrument.Name, out var values)) observed[instrument.Name] = values = [];
                values[(int)partition!] = value;
            }
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name != "pipelines.kafka.rebalance.duration" || !Tag(tags, "source", out var source) || (string?)source != _source) return;
            lock (_gate) _rebalances.Add(value);
        });
        _listener.Start();
    }

    /// <summary>The consumer lag per owned partition, now.</summary>
    public Dictionary<int, long> Lag() => Observe("pipelines.kafka.consumer.lag");

    /// <summary>The committed offset per owned partition, now.</summary>
    public Dictionary<int, long> Committed() => Observe("pipelines.kafka.consumer.committed_offset");

    /// <summary>The records read per partition, now.</summary>
    public Dictionary<int, long> Read() => Observe("pipelines.kafka.records.read");

    public long Assigned => Counter("pipelines.kafka.partitions.assigned");

    public long Revoked => Counter("pipelines.kafka.partitions.revoked:revoked");

    /// <summary>Records read past their partition's last commit when the partition went to another owner (revoked or lost).</summary>
    public long ReadAgain => Counter("pipelines.kafka.records.read_again:revoked") + Counter("pipelines.kafka.records.read_again:lost");

    public double[] Rebalances
    {
        get
        {
            lock (_gate) return [.. _rebalances];
        }
    }

    /// <summary>Collects the observable instruments once and returns one of them, per partition.</summary>
    public Dictionary<int, long> Observe(string instrument)
    {
        lock (_observing)
        {
            _observed = [];
            _listener.RecordObservableInstruments();
            var observed = _observed;
            _observed = null;
            return observed.GetValueOrDefault(instrument) ?? [];
        }
    }

    public static string Describe(Dictionary<int, long> values) =>
        "{" + string.Join(", ", values.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")) + "}";

    public void Dispose() => _listener.Dispose();

    private long Counter(string key)
    {
        lock (_gate) return _counters.GetValueOrDefault(key);
    }

    private static bool Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key, out object? value)
    {
        foreach (var tag in tags)
        {
            if (tag.Key != key) continue;
            value = tag.Value;
            return true;
        }

        value = null;
        return false;
    }
}
