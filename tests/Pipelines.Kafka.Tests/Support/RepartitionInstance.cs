using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>A card payment; the Kafka message key is the payment id, the aggregation key is the card.</summary>
internal sealed record Payment(string Id, int Card, long Amount);

/// <summary>
/// One instance of a pipeline that reads payments keyed by payment id and sums them per card and minute: the
/// aggregation key is not the input partitioning, so the instances exchange payments through a repartition topic.
/// Records whose value is <see cref="End"/> only move the watermark (one per input partition, far in the future).
/// </summary>
internal sealed class RepartitionInstance
{
    public const string End = "end";
    public const string PipelineName = "card-totals";
    public static readonly DateTimeOffset Start0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan WindowSize = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The tests produce a backlog of old payments at once, after quiet times: a partition, or an instance, idle when
    /// the backlog comes would stop holding the watermark back, and whatever reported first would move it past the
    /// payments of the others (late: that is what idleness means). So partitions go idle only after 10 s (every
    /// partition gets an end record in each batch, so none needs to), and the run's sources never do
    /// (<see cref="StreamingOptions.IdleTimeout"/> infinite), so an instance that waits for its first payments
    /// holds every reader of the repartition topic back.
    /// </summary>
    public static readonly TimeSpan PartitionIdleTimeout = TimeSpan.FromSeconds(10);

    private RepartitionInstance(string name) => Name = name;

    public string Name { get; }

    public AssignmentProbe Input { get; } = new();

    public AssignmentProbe Exchange { get; } = new();

    public ConcurrentQueue<WindowResult<int, long>> Results { get; } = new();

    public PipelineRun Run { get; private set; } = null!;

    /// <summary>The input record of payment <paramref name="i"/>: message key = payment id, 7 cards, 5 s apart.</summary>
    public static TestRecord Record(int i) =>
        new($"p{i}", $"{i % 7}|{i + 1}", Start0 + TimeSpan.FromSeconds(5 * i));

    public static Payment Parse(string id, string value)
    {
        var parts = value.Split('|');
        return new Payment(id, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One record per input partition, a day later: every instance's watermark passes every payment window.</summary>
    public static IEnumerable<TestRecord> Ends(int partitions) =>
        Enumerable.Range(0, partitions).Select(p => new TestRecord("end", End, Start0 + TimeSpan.FromDays(1), p));

    public static DataStream<WindowResult<int, long>> Totals(KeyedStream<Payment, int> payments, PerCard kind = PerCard.Tumbling) => kind switch
    {
        PerCard.Sessions => payments.Window(Windows.Session(SessionGap)).Sum(p => p.Amount),
        PerCard.Process => payments.Process(() => new MinuteTotals()),
        _ => payments.Window(Windows.Tumbling(WindowSize)).Sum(p => p.Amount),
    };

    /// <summary>Payments of one card come 35 s apart: with this gap each card's session lasts until its payments stop.</summary>
    public static readonly TimeSpan SessionGap = TimeSpan.FromSeconds(40);

    /// <summary>The same totals from one bounded run over the payments in memory: what the instances must agree with.</summary>
    public static async Task<Dictionary<(int Card, DateTimeOffset Start), long>> BoundedTotals(IEnumerable<TestRecord> records, PerCard kind)
    {
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        Totals(p.From(Sources.Enumerable(records.Where(r => r.Value != End).ToList()))
                .WithEventTime(r => r.Timestamp!.Value, Watermarks.Monotonic())
                .Select(r => Parse(r.Key!, r.Value!))
                .KeyBy(x => x.Card), kind)
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        return results.ToDictionary(r => (r.Key, r.Window.Start), r => r.Value);
    }

    /// <summary>The same totals from one bounded run over the payments in memory: what the instances must agree with.</summary>
    public static async Task<Dictionary<(int Card, DateTimeOffset Start), long>> BoundedTotals(IEnumerable<TestRecord> records)
    {
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder();
        Totals(p.From(Sources.Enumerable(records.Where(r => r.Value != End).ToList()))
                .WithEventTime(r => r.Timestamp!.Value, Watermarks.Monotonic())
                .Select(r => Parse(r.Key!, r.Value!))
                .KeyBy(x => x.Card))
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        return results.ToDictionary(r => (r.Key, r.Window.Start), r => r.Value);
    }

    /// <param name="emitted">Also receives every result, with the instance's name (a log shared by instances keeps their order).</param>
    /// <param name="storage">A checkpoint directory the instances share: keyed state then moves with its repartition partitions.</param>
    /// <param name="kind">What the instances compute per card.</param>
    /// <param name="checkpointInterval">The run's checkpoint interval, if not the default (300 ms with a storage, 1 s without).</param>
    public static RepartitionInstance Start(KafkaTestCluster cluster, string topic, string group, string name, ILogger? logger = null, Action<string, WindowResult<int, long>>? emitted = null,
        string? storage = null, PerCard kind = PerCard.Tumbling, TimeSpan? checkpointInterval = null, string? exactlyOnceTopic = null)
    {
        var instance = new RepartitionInstance(name);
        var consumerConfig = cluster.GroupConsumerConfig ?? new ConsumerConfig();
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = consumerConfig,
            Name = name,
            Logger = logger,
            OnPartitionsAssigned = instance.Input.Assigned,
            OnPartitionsRevoked = instance.Input.Revoked,
        });
        var p = new PipelineBuilder(PipelineName);
        var payments = p.From(source)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(10), PartitionIdleTimeout))
            .Where(r => r.Value != End)
            .Select(r => Parse(r.Key, r.Value))
            .Repartition(x => x.Card, ExchangeOptions(cluster, instance.Exchange));
        var totals = Totals(payments, kind);
        totals.To(Sinks.Action<WindowResult<int, long>>(r =>
        {
            instance.Results.Enqueue(r);
            emitted?.Invoke(name, r);
        }));
        if (exactlyOnceTopic is not null)
        {
            // Exactly-once output: each partition's totals commit with the repartition topic's positions.
            totals.Select(r => r).ToKafka(
                ExactlyOnceOptions(cluster, exactlyOnceTopic, "totals-", name, logger),
                r => $"{r.Key}@{r.Window.Start:O}",
                r => r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        instance.Run = new StreamingExecutor(new StreamingOptions
            {
                Parallelism = 2,
                IdleTimeout = Timeout.InfiniteTimeSpan,
                CheckpointInterval = checkpointInterval ?? (storage is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(300)),
                CheckpointStorage = storage is null ? null : CheckpointStorage.Directory(storage),
                Logger = logger,
            })
            .Start(p.Build());
        return instance;
    }

    /// <summary>The repartition settings of the tests' instances: the mock's group settings, short timeouts, frequent watermarks, and a probe of the assignments.</summary>
    public static KafkaRepartitionOptions ExchangeOptions(KafkaTestCluster cluster, AssignmentProbe probe) => new()
    {
        ConsumerConfig = cluster.GroupConsumerConfig,
        ProducerIdleTimeout = TimeSpan.FromSeconds(6),
        TopicCreationTimeout = TimeSpan.FromSeconds(1),
        WatermarkInterval = TimeSpan.FromMilliseconds(50),
        OnPartitionsAssigned = probe.Assigned,
        OnPartitionsRevoked = probe.Revoked,
    };

    /// <summary>The exactly-once Kafka sink of an instance: transactional ids from <paramref name="prefix"/>, the topic and the instance's name.</summary>
    public static KafkaSinkOptions<string, string> ExactlyOnceOptions(KafkaTestCluster cluster, string topic, string prefix, string name, ILogger? logger) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        Topic = topic,
        Guarantee = DeliveryGuarantee.ExactlyOnce,
        TransactionalIdPrefix = prefix + topic,
        InstanceId = name,
        TransactionTimeout = TimeSpan.FromSeconds(60),
        Logger = logger,
    };

    public override string ToString() =>
        $"{Name} reads [{string.Join(",", Input.Owned)}], aggregates [{string.Join(",", Exchange.Owned)}], {Results.Count} results, {Run.LateElementsDropped} late dropped, run {Run.Completion.Status}{(Run.Completion.Exception is { } e ? ": " + e.GetBaseException().Message : "")}";
}

/// <summary>What the instances compute per card.</summary>
public enum PerCard
{
    /// <summary>Sums per card and minute (tumbling windows).</summary>
    Tumbling,

    /// <summary>Sums per card session (gap <see cref="RepartitionInstance.SessionGap"/>).</summary>
    Sessions,

    /// <summary>Sums per card and minute kept by a keyed process function (map state and event-time timers).</summary>
    Process,
}

/// <summary>
/// Per card, a running sum per minute in map state and an event-time timer at each minute's end that emits the
/// minute's total as a window result, as the tumbling window does.
/// </summary>
internal sealed class MinuteTotals : KeyedProcessFunction<int, Payment, WindowResult<int, long>>
{
    private MapState<long, long> _minutes = null!;

    public override void Open(KeyedStateRegistry state) => _minutes = state.Map<long, long>("minutes");

    public override void ProcessElement(Payment element, KeyedProcessContext<int, WindowResult<int, long>> context)
    {
        long start = context.Timestamp.UtcTicks - (context.Timestamp.UtcTicks % RepartitionInstance.WindowSize.Ticks);
        _minutes.Set(start, (_minutes.TryGetValue(start, out long sum) ? sum : 0) + element.Amount);
        context.RegisterEventTimeTimer(new DateTimeOffset(start, TimeSpan.Zero) + RepartitionInstance.WindowSize - TimeSpan.FromTicks(1));
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<int, WindowResult<int, long>> context)
    {
        long start = time.UtcTicks + 1 - RepartitionInstance.WindowSize.Ticks;
        if (!_minutes.TryGetValue(start, out long sum)) return;
        _minutes.Remove(start);
        var window = new Window(new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(start, TimeSpan.Zero) + RepartitionInstance.WindowSize);
        context.Emit(new WindowResult<int, long>(context.Key, window, sum, PaneTiming.OnTime, 0));
    }
}
