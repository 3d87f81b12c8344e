using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipelines;
using Pipelines.Kafka;

namespace KafkaFraudDetection;

/// <summary>
/// The fraud rule as a pipeline: transactions from Kafka (keyed by payment id), event time from the payment itself
/// with one watermark per partition, repartitioned by card through a Kafka topic so that every card is aggregated by
/// exactly one instance, one-minute windows per card, and an alert — to Kafka and to the console — for a card with at
/// least <see cref="MinPayments"/> payments adding up to <see cref="MinTotal"/> or more in one minute.
/// </summary>
public static class FraudPipeline
{
    public const int MinPayments = 5;
    public const decimal MinTotal = 2000m;
    public const string Name = "fraud-detection";

    public static readonly TimeSpan WindowSize = TimeSpan.FromMinutes(1);

    /// <summary>Each card's spending per minute: the keyed work, the same in the streaming and the bounded run.</summary>
    public static DataStream<WindowResult<string, Spending>> SpendingPerMinute(KeyedStream<Transaction, string> byCard) =>
        byCard.Window(Windows.Tumbling(WindowSize)).Aggregate(new SpendingAggregator());

    /// <summary>The rule: the minutes of a card that spent too much, too often.</summary>
    public static DataStream<FraudAlert> Alerts(DataStream<WindowResult<string, Spending>> spending) =>
        spending
            .Where(w => w.Value.Payments >= MinPayments && w.Value.Total >= MinTotal)
            .Select(w => new FraudAlert(w.Key, w.Window.Start, w.Window.End, w.Value.Payments, w.Value.Total));

    /// <summary>Builds one instance's pipeline; every instance started with the same <see cref="FraudInstanceSettings.Group"/> shares the work.</summary>
    public static Pipeline Build(FraudInstanceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var transactions = new KafkaSource<string, Transaction>(new()
        {
            BootstrapServers = settings.BootstrapServers,
            GroupId = settings.Group,
            Topics = [settings.TransactionsTopic],
            ValueDeserializer = new JsonSerde<Transaction>(),
            OnDeserializationError = ErrorPolicy.Skip,
            ConsumerConfig = settings.ConsumerConfig,
            Logger = settings.KafkaLogger,
            OnPartitionsAssigned = settings.OnInputAssigned,
            OnPartitionsRevoked = settings.OnInputRevoked,
        });

        var p = new PipelineBuilder(Name);
        var byCard = p.From(transactions)
            .WithEventTime(r => r.Value.Time, KafkaWatermarks.PerPartition(maxOutOfOrderness: TimeSpan.FromSeconds(10), idleTimeout: TimeSpan.FromSeconds(30)))
            .Select(r => r.Value)
            .Where(t => !TransactionGenerator.IsClock(t))
            .Repartition(t => t.Card, new KafkaRepartitionOptions          // the topic is keyed by payment id: cards cross instances
            {
                ConsumerConfig = settings.ConsumerConfig,
                TopicCreationTimeout = settings.TopicCreationTimeout,
                ProducerIdleTimeout = TimeSpan.FromSeconds(6),
                WatermarkInterval = TimeSpan.FromMilliseconds(50),
                OnPartitionsAssigned = settings.OnCardsAssigned,
                OnPartitionsRevoked = settings.OnCardsRevoked,
            });

        var spending = SpendingPerMinute(byCard);
        if (settings.OnSpending is { } onSpending) spending.To(Sinks.Action(onSpending, "spending"));
        var alerts = Alerts(spending);
        alerts.ToKafka(
            new KafkaSinkOptions<string, FraudAlert> { BootstrapServers = settings.BootstrapServers, Topic = settings.AlertsTopic, ValueSerializer = new JsonSerde<FraudAlert>() },
            key: a => a.Card,
            value: a => a,
            timestamp: a => a.WindowEnd);
        alerts.To(Sinks.Action(settings.OnAlert, "console"));
        return p.Build();
    }

    /// <summary>The same rule over the transactions in memory, as a batch job: what the instances must agree with.</summary>
    public static async Task<(List<WindowResult<string, Spending>> Spending, List<FraudAlert> Alerts)> RunBoundedAsync(IEnumerable<Transaction> transactions)
    {
        var spending = new List<WindowResult<string, Spending>>();
        var alerts = new List<FraudAlert>();
        var p = new PipelineBuilder(Name + "-bounded");
        var perMinute = SpendingPerMinute(p.From(Sources.Enumerable(transactions.Where(t => !TransactionGenerator.IsClock(t)).ToList()))
            .WithEventTime(t => t.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(10)))
            .KeyBy(t => t.Card));
        perMinute.To(Sinks.Collection(spending));
        Alerts(perMinute).To(Sinks.Collection(alerts));
        await new BoundedExecutor().RunAsync(p.Build());
        return (spending, alerts);
    }
}
