using Pipelines;
using Pipelines.Kafka;

namespace KafkaFraudDetection;

/// <summary>
/// The fraud rule as a pipeline: transactions from Kafka, event time from the payment itself with one watermark
/// per partition, one-minute windows per card, and an alert — to Kafka and to the console — for a card with at
/// least <see cref="MinPayments"/> payments adding up to <see cref="MinTotal"/> or more in one minute.
/// </summary>
public static class FraudPipeline
{
    public const int MinPayments = 5;
    public const decimal MinTotal = 2000m;

    public static Pipeline Build(string bootstrapServers, string transactionsTopic, string alertsTopic, string group, Action<FraudAlert> onAlert)
    {
        var transactions = new KafkaSource<string, Transaction>(new()
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            Topics = [transactionsTopic],
            ValueDeserializer = new JsonSerde<Transaction>(),
            OnDeserializationError = ErrorPolicy.Skip,
        });

        var p = new PipelineBuilder("fraud-detection");
        var alerts = p.From(transactions)
            .WithEventTime(r => r.Value.Time, KafkaWatermarks.PerPartition(maxOutOfOrderness: TimeSpan.FromSeconds(10), idleTimeout: TimeSpan.FromSeconds(5)))
            .Select(r => r.Value)
            .KeyBy(t => t.Card)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(new SpendingAggregator())
            .Where(w => w.Value.Payments >= MinPayments && w.Value.Total >= MinTotal)
            .Select(w => new FraudAlert(w.Key, w.Window.Start, w.Window.End, w.Value.Payments, w.Value.Total));

        alerts.ToKafka(
            new KafkaSinkOptions<string, FraudAlert> { BootstrapServers = bootstrapServers, Topic = alertsTopic, ValueSerializer = new JsonSerde<FraudAlert>() },
            key: a => a.Card,
            value: a => a,
            timestamp: a => a.WindowEnd);
        alerts.To(Sinks.Action(onAlert, "console"));
        return p.Build();
    }
}
