using Confluent.Kafka;
using Pipelines;

namespace KafkaFraudDetection;

/// <summary>
/// One running instance of the fraud pipeline, as one process of a deployment would run it: which input partitions it
/// reads, which partitions of the repartition topic (groups of cards) it aggregates, what it computed and restored.
/// </summary>
public sealed class FraudInstance
{
    private readonly HashSet<int> _input = [];
    private readonly HashSet<int> _cards = [];
    private readonly List<WindowResult<string, Spending>> _spending = [];
    private readonly List<FraudAlert> _alerts = [];

    private FraudInstance(string name, TextWriter output)
    {
        Name = name;
        Log = new InstanceLog(name, output);
    }

    public string Name { get; }

    public InstanceLog Log { get; }

    public PipelineRun Run { get; private set; } = null!;

    /// <summary>The input partitions this instance reads now.</summary>
    public int[] Input => Owned(_input);

    /// <summary>The repartition topic's partitions this instance aggregates now: the cards whose windows it keeps.</summary>
    public int[] Cards => Owned(_cards);

    /// <summary>Every card's spending per minute this instance emitted.</summary>
    public IReadOnlyList<WindowResult<string, Spending>> Spending
    {
        get
        {
            lock (_spending) return [.. _spending];
        }
    }

    /// <summary>The alerts this instance emitted.</summary>
    public IReadOnlyList<FraudAlert> Alerts
    {
        get
        {
            lock (_alerts) return [.. _alerts];
        }
    }

    /// <summary>Starts an instance with <paramref name="options"/> (a shared checkpoint storage makes the keyed state move with its partitions).</summary>
    public static FraudInstance Start(string name, Func<FraudInstance, FraudInstanceSettings> settings, StreamingOptions options, TextWriter output)
    {
        var instance = new FraudInstance(name, output);
        instance.Run = new StreamingExecutor(new StreamingOptions
        {
            Parallelism = options.Parallelism,
            IdleTimeout = options.IdleTimeout,
            CheckpointInterval = options.CheckpointInterval,
            CheckpointStorage = options.CheckpointStorage,
            Logger = instance.Log,
        }).Start(FraudPipeline.Build(settings(instance)));
        return instance;
    }

    /// <summary>The sink of every alert.</summary>
    public void Alerted(FraudAlert alert)
    {
        lock (_alerts) _alerts.Add(alert);
    }

    /// <summary>The sink of every card's spending per minute.</summary>
    public void Spent(WindowResult<string, Spending> spending)
    {
        lock (_spending) _spending.Add(spending);
    }

    public void InputAssigned(IReadOnlyList<TopicPartition> partitions) => Change(_input, partitions, add: true);

    public void InputRevoked(IReadOnlyList<TopicPartition> partitions) => Change(_input, partitions, add: false);

    public void CardsAssigned(IReadOnlyList<TopicPartition> partitions) => Change(_cards, partitions, add: true);

    public void CardsRevoked(IReadOnlyList<TopicPartition> partitions) => Change(_cards, partitions, add: false);

    public override string ToString() =>
        $"{Name} reads [{string.Join(",", Input)}], aggregates [{string.Join(",", Cards)}], read {Run.ElementsRead}, {Spending.Count} minutes, {Log.Restores} restores, run {Run.Completion.Status}"
        + (Run.Completion.Exception is { } e ? ": " + e.GetBaseException().Message : "");

    private static void Change(HashSet<int> owned, IReadOnlyList<TopicPartition> partitions, bool add)
    {
        lock (owned)
        {
            foreach (var p in partitions)
            {
                if (add) owned.Add(p.Partition.Value);
                else owned.Remove(p.Partition.Value);
            }
        }
    }

    private static int[] Owned(HashSet<int> owned)
    {
        lock (owned) return [.. owned.Order()];
    }
}
