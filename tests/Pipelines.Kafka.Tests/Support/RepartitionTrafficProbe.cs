using System.Diagnostics.Metrics;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// Counts the elements every instance of a test delivered to one repartition topic and read from it
/// (<c>pipelines.kafka.repartition.records.sent</c> and <c>.received</c>, selected by the <c>topic</c> tag): equal
/// counts mean no element of the topic was read twice. Also counts the elements readers dropped as written twice
/// (<c>pipelines.kafka.repartition.duplicates.dropped</c>).
/// </summary>
internal sealed class RepartitionTrafficProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sent;
    private long _received;
    private long _dropped;

    public RepartitionTrafficProbe(string topic)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines.Kafka" && (instrument.Name.StartsWith("pipelines.kafka.repartition.records.", StringComparison.Ordinal) || instrument.Name == "pipelines.kafka.repartition.duplicates.dropped")) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            bool mine = false;
            foreach (var tag in tags) mine |= tag.Key == "topic" && (string?)tag.Value == topic;
            if (!mine) return;
            if (instrument.Name.EndsWith(".dropped", StringComparison.Ordinal)) Interlocked.Add(ref _dropped, value);
            else if (instrument.Name.EndsWith(".sent", StringComparison.Ordinal)) Interlocked.Add(ref _sent, value);
            else Interlocked.Add(ref _received, value);
        });
        _listener.Start();
    }

    /// <summary>Elements delivered to the topic, by every instance.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Elements read from the topic, by every instance.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Elements read from the topic and dropped because their input record had been written to it before.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Dispose() => _listener.Dispose();
}
