using System.Diagnostics.Metrics;

namespace KafkaFraudDetection;

/// <summary>
/// Sums the Kafka source's <c>pipelines.kafka.records.read_again</c> for one topic, in this process: records an
/// instance had read from a partition past its last commit when the partition went to the other instance, which reads
/// them again. Behind the repartition topic those payments would be counted twice.
/// </summary>
public sealed class ReadAgainMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _records;

    public ReadAgainMeter(string topic)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines.Kafka" && instrument.Name == "pipelines.kafka.records.read_again") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "topic" && (string?)tag.Value == topic) Interlocked.Add(ref _records, value);
            }
        });
        _listener.Start();
    }

    /// <summary>The records read again so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    public void Dispose() => _listener.Dispose();
}
