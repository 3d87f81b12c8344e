using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once sink checks the run's checkpoint interval against its transaction timeout when the run starts: a
/// transaction stays open from one checkpoint until the next is stored, and the broker aborts one open longer.
/// </summary>
public sealed class ExactlyOnceIntervalTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-kafka-eos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private Task<RunSummary> RunAsync(KafkaTestCluster cluster, string topic, TimeSpan interval, TimeSpan transactionTimeout, int tolerance, ConcurrentQueue<string> log)
    {
        var p = new PipelineBuilder("eos-interval");
        p.From(Sources.Enumerable(Enumerable.Range(0, 10)))
            .Select(i => ($"k{i}", $"v{i}"))
            .ToKafka(ExactlyOnceSetup.SinkOptions(cluster, topic, new MemoryLogger("sink", log), transactionTimeout: transactionTimeout), x => x.Item1, x => x.Item2);
        var options = new StreamingOptions { CheckpointInterval = interval, CheckpointStorage = CheckpointStorage.Directory(_directory), TolerableCheckpointFailures = tolerance };
        return new StreamingExecutor(options).RunAsync(p.Build()).WaitAsync(Deadline);
    }

    [Fact]
    public async Task AnInfiniteCheckpointInterval_IsRefused_NamingTheSink()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);

        var act = () => RunAsync(cluster, topic, Timeout.InfiniteTimeSpan, TimeSpan.FromSeconds(60), 0, new());

        (await act.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*kafka:{topic}*exactly-once*CheckpointInterval is infinite*one transaction*Set a CheckpointInterval*AtLeastOnce*");
        cluster.EndOffsets(topic).Values.Sum().Should().Be(0, "the run is refused before it writes");
    }

    [Fact]
    public async Task ATransactionTimeout_NoLongerThanTheInterval_IsRefused()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);

        var act = () => RunAsync(cluster, topic, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 0, new());

        (await act.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*kafka:{topic}*TransactionTimeout (00:00:10) is not longer than StreamingOptions.CheckpointInterval (00:00:10)*at least twice*");
    }

    [Fact]
    public async Task ATransactionTimeout_ShorterThanTheToleratedFailuresPlusTwoIntervals_IsAWarning()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        var log = new ConcurrentQueue<string>();

        // 25 s < (1 + 2) × 10 s: the run goes on, with a warning.
        var summary = await RunAsync(cluster, topic, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(25), 1, log);

        summary.ElementsRead.Should().Be(10);
        log.Should().ContainSingle(l => l.Contains("Warning", StringComparison.Ordinal) && l.Contains("TransactionTimeout (00:00:25) is shorter than (StreamingOptions.TolerableCheckpointFailures 1 + 2) × CheckpointInterval (00:00:10)", StringComparison.Ordinal), string.Join(Environment.NewLine, log));
        (await Task.Run(() => cluster.ReadToEnd(topic, Deadline))).Should().HaveCount(10);
    }

    [Fact]
    public async Task ATransactionTimeout_OfTheToleratedFailuresPlusTwoIntervals_IsNoWarning()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        var log = new ConcurrentQueue<string>();

        await RunAsync(cluster, topic, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), 1, log);

        log.Should().NotContain(l => l.Contains("TransactionTimeout", StringComparison.Ordinal), string.Join(Environment.NewLine, log));
    }
}
