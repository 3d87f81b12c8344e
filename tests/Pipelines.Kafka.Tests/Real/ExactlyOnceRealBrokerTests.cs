using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Real;

/// <summary>
/// The exactly-once sink against a real cluster, where <c>read_committed</c> hides aborted and open transactions,
/// offsets sent to a transaction are stored, and a newer producer fences an older one with the same transactional
/// id — none of which librdkafka's mock cluster does. Run when <c>KAFKA_BOOTSTRAP_SERVERS</c> is set, reported as
/// skipped otherwise.
/// </summary>
public sealed class ExactlyOnceRealBrokerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-kafka-eos-real-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static KafkaTestCluster Cluster() => KafkaTestCluster.Connect(Environment.GetEnvironmentVariable(KafkaTestCluster.EnvironmentVariable)!);

    /// <summary>
    /// Kafka in → one-minute windows counted per key → Kafka out, exactly-once; the first run fails on a record in the
    /// middle of the input, the second is stopped without draining, the third finishes. Every (key, window) is read
    /// back exactly once, with its exact count, by a <c>read_committed</c> consumer; the group's offsets, committed only
    /// inside the transactions, reach the end of the input.
    /// </summary>
    [KafkaFact]
    public async Task KafkaInWindowKafkaOut_FailedAndRestarted_ReadCommittedSeesEveryResultExactlyOnce()
    {
        using var cluster = Cluster();
        string input = KafkaTestCluster.UniqueName("eos-in"), outputTopic = KafkaTestCluster.UniqueName("eos-out"), group = KafkaTestCluster.UniqueName("eos");
        int partitions = await cluster.CreateTopicAsync(input, partitions: 3);
        await cluster.CreateTopicAsync(outputTopic, partitions: 3);
        const int Keys = 6, Minutes = 10, PerMinute = 60;
        var records = Enumerable.Range(0, Minutes * PerMinute).Select(i => new TestRecord($"k{i % Keys}", $"v{i}", T0.AddSeconds(i))).ToList();
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var storage = CheckpointStorage.Directory(_directory);

        PipelineRun Start(string? failAt)
        {
            var source = new KafkaSource<string, string>(new()
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = group,
                Topics = [input],
                ConsumerConfig = cluster.GroupConsumerConfig,
                Logger = new TestOutputLogger(output, "source"),
            });
            var p = new PipelineBuilder("eos-end-to-end");
            p.From(source)
                .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.Zero, idleTimeout: TimeSpan.FromSeconds(2)))
                .Where(r => r.Value != failAt || Fail(r.Value))
                .Where(r => r.Key != "end")
                .KeyBy(r => r.Key)
                .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                .Count()
                .ToKafka(
                    new KafkaSinkOptions<string, string>
                    {
                        BootstrapServers = cluster.BootstrapServers,
                        Topic = outputTopic,
                        Guarantee = DeliveryGuarantee.ExactlyOnce,
                        TransactionalIdPrefix = "eos-" + outputTopic,
                        SendOffsetsOf = source,
                        Logger = new TestOutputLogger(output, "sink"),
                    },
                    key: w => $"{w.Key}@{w.Window.Start:HH:mm}",
                    value: w => w.Value.ToString(CultureInfo.InvariantCulture));
            return new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = storage, Parallelism = 2 }).Start(p.Build());
        }

        // Run 1 commits a few checkpoints, then fails in the middle of the input: its open transactions are aborted.
        await cluster.ProduceAsync(input, records.Take(records.Count / 2));
        var first = Start(failAt: $"v{records.Count * 3 / 4}");
        await Eventually.True(() => transactions.Committed >= 3, Deadline, "run 1 to commit three checkpoints");
        await cluster.ProduceAsync(input, records.Skip(records.Count / 2));
        var failing = () => first.Completion.WaitAsync(Deadline);
        await failing.Should().ThrowAsync<Exception>();

        // Run 2 resumes from run 1's last checkpoint, commits more, and is stopped without draining (as by a crash).
        long committed = transactions.Committed;
        var second = Start(failAt: null);
        await Eventually.True(() => transactions.Committed >= committed + 2, Deadline, "run 2 to commit two checkpoints");
        await second.StopAsync(drain: false).WaitAsync(Deadline);

        // Run 3 finishes: a record far later on every partition closes the last windows.
        await cluster.ProduceAsync(input, Enumerable.Range(0, partitions).Select(q => new TestRecord("end", "end", T0.AddMinutes(Minutes + 10), q)));
        var third = Start(failAt: null);
        await Eventually.True(() => cluster.ReadToEnd(outputTopic, Deadline, IsolationLevel.ReadCommitted).Count >= Keys * Minutes, Deadline, () => $"every window's result to be committed; read {cluster.ReadToEnd(outputTopic, Deadline, IsolationLevel.ReadCommitted).Count}");
        await third.StopAsync().WaitAsync(Deadline);

        var results = cluster.ReadToEnd(outputTopic, Deadline, IsolationLevel.ReadCommitted);
        var expected = Enumerable.Range(0, Minutes).SelectMany(m => Enumerable.Range(0, Keys).Select(k => $"k{k}@{T0.AddMinutes(m):HH:mm}={PerMinute / Keys}"));
        results.Select(r => $"{r.Message.Key}={r.Message.Value}").Should().BeEquivalentTo(expected, "every (key, window) exactly once, with its exact count");
        cluster.CommittedOffsets(group, input).Should().BeEquivalentTo(cluster.EndOffsets(input), "the offsets committed in the last transaction");
        transactions.Aborted.Should().BeGreaterThan(0, "the failed and the stopped runs aborted their open transactions");
    }

    private static bool Fail(string value) => throw new InvalidOperationException($"Injected failure at {value}.");

    /// <summary>A second instance started with the same transactional ids fences the first, whose run fails saying so.</summary>
    [KafkaFact]
    public async Task ASecondInstanceWithTheSameInstanceId_FencesTheFirst_WhoseRunFailsClearly()
    {
        using var cluster = Cluster();
        string inputA = KafkaTestCluster.UniqueName("fence-a"), inputB = KafkaTestCluster.UniqueName("fence-b"), outputTopic = KafkaTestCluster.UniqueName("fence-out");
        await cluster.CreateTopicAsync(inputA, partitions: 1);
        await cluster.CreateTopicAsync(inputB, partitions: 1);
        await cluster.CreateTopicAsync(outputTopic, partitions: 1);
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var log = new ConcurrentQueue<string>();

        PipelineRun Start(string input, string name)
        {
            var p = new PipelineBuilder("fencing-" + name);
            p.From(new KafkaSource<string, string>(new() { BootstrapServers = cluster.BootstrapServers, GroupId = KafkaTestCluster.UniqueName(name), Topics = [input] }))
                .Select(r => (r.Key, r.Value))
                .ToKafka(
                    new KafkaSinkOptions<string, string>
                    {
                        BootstrapServers = cluster.BootstrapServers,
                        Topic = outputTopic,
                        Guarantee = DeliveryGuarantee.ExactlyOnce,
                        TransactionalIdPrefix = "fence-" + outputTopic,
                        InstanceId = "0",
                        Logger = new MemoryLogger(name, log),
                    },
                    x => x.Key,
                    x => x.Value);
            return new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(Path.Combine(_directory, name)) }).Start(p.Build());
        }

        await cluster.ProduceAsync(inputA, Enumerable.Range(0, 10).Select(i => new TestRecord("k", $"a{i}")));
        var a = Start(inputA, "a");
        await Eventually.True(() => transactions.Committed >= 1, Deadline, "instance a to commit a checkpoint");

        var b = Start(inputB, "b");
        await Eventually.True(() => log.Any(l => l.Contains(" b ", StringComparison.Ordinal) && l.Contains("initialised transactional ids", StringComparison.Ordinal)), Deadline, "instance b to initialise the same ids");
        await cluster.ProduceAsync(inputA, Enumerable.Range(10, 10).Select(i => new TestRecord("k", $"a{i}")));

        var act = () => a.Completion.WaitAsync(Deadline);
        var thrown = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        thrown.ToString().Should().ContainEquivalentOf("fenced").And.Contain("InstanceId");
        b.Completion.IsCompleted.Should().BeFalse("the newer instance goes on");
        await b.StopAsync().WaitAsync(Deadline);
    }
}
