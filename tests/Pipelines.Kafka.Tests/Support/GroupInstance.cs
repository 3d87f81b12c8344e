using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// One pipeline instance of a consumer group, as another process would run it: it records every input record it
/// processed and, on drain, one count per key (keyed state: a one-day tumbling window, so it fires at the drain).
/// </summary>
internal sealed class GroupInstance
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private GroupInstance(string name) => Name = name;

    public string Name { get; }

    public AssignmentProbe Assignment { get; } = new();

    public ConcurrentQueue<KafkaRecord<string, string>> Processed { get; } = new();

    public ConcurrentQueue<WindowResult<string, long>> Counts { get; } = new();

    public PipelineRun Run { get; private set; } = null!;

    public static GroupInstance Start(
        KafkaTestCluster cluster, string topic, string group, string name, PartitionAssignmentStrategy? strategy = null, ILogger? logger = null)
    {
        var instance = new GroupInstance(name);
        var consumerConfig = cluster.GroupConsumerConfig ?? new ConsumerConfig();
        if (strategy is not null) consumerConfig.PartitionAssignmentStrategy = strategy;
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = consumerConfig,
            Name = name,
            Logger = logger,
            OnPartitionsAssigned = instance.Assignment.Assigned,
            OnPartitionsRevoked = instance.Assignment.Revoked,
        });
        var p = new PipelineBuilder(name);
        var records = p.From(source);
        records.To(Sinks.Action<KafkaRecord<string, string>>(instance.Processed.Enqueue));
        records.WithEventTime(_ => Day, Watermarks.Monotonic())
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromDays(1)))
            .Count()
            .To(Sinks.Action<WindowResult<string, long>>(instance.Counts.Enqueue));
        instance.Run = new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).Start(p.Build());
        return instance;
    }

    public override string ToString() =>
        $"{Name} owns [{string.Join(",", Assignment.Owned)}], processed {Processed.Count}, run {Run.Completion.Status}{(Run.Completion.Exception is { } e ? ": " + e.GetBaseException().Message : "")}";
}
