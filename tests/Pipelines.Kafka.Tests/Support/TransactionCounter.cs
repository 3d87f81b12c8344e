using System.Diagnostics.Metrics;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>Counts the transactions one exactly-once sink committed and aborted, from the <c>Pipelines.Kafka</c> meter.</summary>
internal sealed class TransactionCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _committed;
    private long _aborted;

    public TransactionCounter(string sink)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines.Kafka" && instrument.Name.StartsWith("pipelines.kafka.transactions.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != "sink" || (string?)tag.Value != sink) continue;
                if (instrument.Name.EndsWith(".committed", StringComparison.Ordinal)) Interlocked.Add(ref _committed, value);
                else Interlocked.Add(ref _aborted, value);
            }
        });
        _listener.Start();
    }

    public long Committed => Interlocked.Read(ref _committed);

    public long Aborted => Interlocked.Read(ref _aborted);

    public void Dispose() => _listener.Dispose();
}
