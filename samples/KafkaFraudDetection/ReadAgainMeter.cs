using System.Diagnostics.Metrics;

namespace KafkaFraudDetection;

/// <summary>
/// Sums the Kafka source's <c>pipelines.kafka.records.read_again</c> for one topic, in this process: records an
/// instance had read from a partition past its last commit when the partition went to the other instance, which reads
/// them again; their payments cross the repartition topic twice. Also sums
/// <c>pipelines.kafka.repartition.duplicates.dropped</c> for the repartition topics of one consumer group: the second
/// copies the instances reading the repartition topic dropped, so that each payment counts once.
/// </summary>
public sealed class ReadAgainMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _records;
    private long _dropped;

    public ReadAgainMeter(string topic, string group)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines.Kafka" && instrument.Name is "pipelines.kafka.records.read_again" or "pipelines.kafka.repartition.duplicates.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            bool dropped = instrument.Name.EndsWith(".dropped", StringComparison.Ordinal);
            foreach (var tag in tags)
            {
                if (tag.Key != "topic" || tag.Value is not string name) continue;
                if (!dropped && name == topic) Interlocked.Add(ref _records, value);
                else if (dropped && name.StartsWith(group + "-", StringComparison.Ordinal)) Interlocked.Add(ref _dropped, value);
            }
        });
        _listener.Start();
    }

    /// <summary>The records read again so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>The second copies dropped behind the repartition topic so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Dispose() => _listener.Dispose();
}
