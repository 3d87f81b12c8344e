using Confluent.Kafka;
using Microsoft.Extensions.Logging;
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

    /// <param name="bootstrapServers">The brokers.</param>
    /// <param name="transactionsTopic">Where the transactions are read from.</param>
    /// <param name="alertsTopic">Where the alerts are written.</param>
    /// <param name="group">The consumer group: every instance started with it shares the partitions.</param>
    /// <param name="onAlert">Also receives every alert (the console sink).</param>
    /// <param name="consumerConfig">More consumer settings (timeouts, security); librdkafka's defaults when null.</param>
    /// <param name="logger">Receives the Kafka source's log (assignments, commits, leaving the group).</param>
    /// <param name="onPartitionsAssigned">Called with the partitions assigned to this instance.</param>
    public static Pipeline Build(
        string bootstrapServers,
        string transactionsTopic,
        string alertsTopic,
        string group,
        Action<FraudAlert> onAlert,
        ConsumerConfig? consumerConfig = null,
        ILogger? logger = null,
        Action<IReadOnlyList<TopicPartition>>? onPartitionsAssigned = null)
    {
        var transactions = new KafkaSource<string, Transaction>(new()
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            Topics = [transactionsTopic],
            ValueDeserializer = new JsonSerde<Transaction>(),
            OnDeserializationError = ErrorPolicy.Skip,
            PartitionedByKey = true,                    // keyed by card, as the windows group: instances split the cards
            ConsumerConfig = consumerConfig,
            Logger = logger,
            OnPartitionsAssigned = onPartitionsAssigned,
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
