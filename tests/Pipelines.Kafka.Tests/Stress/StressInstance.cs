using System.Collections.Concurrent;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Stress;

/// <summary>
/// One instance of the pipeline a scaled-out user runs: a Kafka source with one watermark per partition, keyed
/// one-second tumbling windows that collect the ids of their records, and a sink that keeps every result. A
/// record whose id is in a result has reached the sinks. Event time is the time a record is read, so windows fire
/// (and checkpoints commit) while the run goes on, and a partition read again by its next owner is never late.
/// </summary>
internal sealed class StressInstance
{
    private readonly CancellationTokenSource _cancel = new();

    private StressInstance(string name) => Name = name;

    public string Name { get; }

    public AssignmentProbe Assignment { get; } = new();

    /// <summary>The ids ("partition@offset") of every record that reached a result.</summary>
    public ConcurrentQueue<string> Results { get; } = new();

    public PipelineRun Run { get; private set; } = null!;

    public static StressInstance Start(KafkaTestCluster cluster, string topic, string group, string name, StressSettings settings, ConcurrentQueue<string> log)
    {
        var instance = new StressInstance(name);
        var consumer = new ConsumerConfig { SessionTimeoutMs = settings.SessionTimeoutMs, HeartbeatIntervalMs = Math.Min(3000, settings.SessionTimeoutMs / 10) };
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ConsumerConfig = consumer,
            Name = name,
            Logger = new MemoryLogger(name, log),
            CommitTimeout = settings.CommitTimeout,
            CloseTimeout = settings.CloseTimeout,
            OnPartitionsAssigned = instance.Assignment.Assigned,
            OnPartitionsRevoked = instance.Assignment.Revoked,
        });
        var p = new PipelineBuilder(name);
        p.From(source)
            .WithEventTime(_ => DateTimeOffset.UtcNow, KafkaWatermarks.PerPartition(TimeSpan.FromMilliseconds(200), idleTimeout: TimeSpan.FromSeconds(1)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Aggregate(new IdCollector())
            .To(Sinks.Action<WindowResult<string, List<string>>>(w =>
            {
                foreach (var id in w.Value) instance.Results.Enqueue(id);
            }));
        var options = new StreamingOptions { Parallelism = 2, CheckpointInterval = settings.CheckpointInterval, Logger = new MemoryLogger(name, log) };
        instance.Run = new StreamingExecutor(options).Start(p.Build(), instance._cancel.Token);
        return instance;
    }

    /// <summary>Cancels the run through its token, as a host shutting down hard would.</summary>
    public void Cancel() => _cancel.Cancel();

    public override string ToString() =>
        $"{Name} owns [{string.Join(",", Assignment.Owned)}], read {Run.ElementsRead}, {Results.Count} in results, run {Run.Completion.Status}"
        + (Run.Completion.Exception is { } e ? ": " + e.GetBaseException().Message : "");

    private sealed class IdCollector : IAggregator<KafkaRecord<string, string>, List<string>, List<string>>
    {
        public List<string> CreateAccumulator() => [];

        public List<string> Add(List<string> accumulator, KafkaRecord<string, string> value)
        {
            accumulator.Add($"{value.Partition}@{value.Offset}");
            return accumulator;
        }

        public List<string> Merge(List<string> left, List<string> right)
        {
            left.AddRange(right);
            return left;
        }

        public List<string> GetResult(List<string> accumulator) => accumulator;
    }
}

/// <summary>
/// How a stress cycle's group behaves: the session timeout sets the mock coordinator's rebalance round (session
/// timeout − 1 s); commit and close timeouts shorter than a round make every stop during a rebalance hit them, as a
/// broker's rebalance (seconds to minutes) does with the defaults.
/// </summary>
internal sealed record StressSettings(int SessionTimeoutMs, TimeSpan CommitTimeout, TimeSpan CloseTimeout, TimeSpan CheckpointInterval);
