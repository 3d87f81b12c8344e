using System.Collections.Concurrent;
using System.Diagnostics;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>A stop returns within the source's commit and close timeouts even when the brokers no longer answer.</summary>
public class StopBoundTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A group source that gives up on a commit and on leaving the group after a second each.</summary>
    private static KafkaSource<string, string> QuickToGiveUp(KafkaTestCluster cluster, string topic, string group, MemoryLogger logger) => new(new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        Topics = [topic],
        ConsumerConfig = cluster.GroupConsumerConfig,
        CommitTimeout = TimeSpan.FromSeconds(1),
        CloseTimeout = TimeSpan.FromSeconds(1),
        Logger = logger,
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BrokersGoneBeforeTheStop_StopAsyncGivesUpOnTheGroupWithinItsTimeouts_AndSaysSo(bool drain)
    {
        var log = new ConcurrentQueue<string>();
        var seen = new ConcurrentQueue<string>();
        PipelineRun run;
        using (var cluster = KafkaTestCluster.StartMock())
        {
            string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
            await cluster.CreateTopicAsync(topic);
            await cluster.ProduceAsync(topic, Enumerable.Range(0, 100).Select(i => new TestRecord($"k{i % 7}", $"v{i}")));
            var source = QuickToGiveUp(cluster, topic, group, new MemoryLogger("a", log));
            var p = new PipelineBuilder("a");
            p.From(source).Select(r => r.Value).To(Sinks.Action<string>(seen.Enqueue));
            run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Timeout.InfiniteTimeSpan }).Start(p.Build());
            await Eventually.True(() => seen.Count == 100, Deadline, "every record to be read");
        }

        // The mock cluster lived in the client just disposed: from now on nothing answers the consumer.
        var clock = Stopwatch.StartNew();
        await run.StopAsync(drain).WaitAsync(Deadline);
        var took = clock.Elapsed;
        foreach (var line in log) output.WriteLine(line);

        took.Should().BeLessThan(TimeSpan.FromSeconds(8), "the final commit waits 1 s and leaving the group 1 s, plus the drain");
        run.Completion.IsCompleted.Should().BeTrue();
        if (!drain) return;

        // librdkafka queues the commits until a coordinator answers: the drained run gives up on them and says so.
        (await run.Completion).ElementsRead.Should().Be(100, "a commit the group cannot take is left to the next owner, not a failed run");
        log.Should().Contain(l => l.Contains("Warning") && l.Contains("could not commit"));
        log.Should().Contain(l => l.Contains("Warning") && l.Contains("leaving the consumer group did not finish"), "a commit still waits, so the consumer may not close yet");
    }

    /// <summary>
    /// An exactly-once sink's open transactions are aborted when a run stops without draining. With the brokers gone,
    /// each abort waited for the whole transaction timeout (a minute by default), one after another, and again when
    /// the sink was disposed; now they are bounded, at once, and tried once.
    /// </summary>
    [Fact]
    public async Task BrokersGoneBeforeAStop_TheExactlyOnceSinksAbortsAreBounded()
    {
        var log = new ConcurrentQueue<string>();
        string directory = Path.Combine(Path.GetTempPath(), "pipelines-kafka-stop-" + Guid.NewGuid().ToString("N"));
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        PipelineRun run;
        try
        {
            using (var cluster = KafkaTestCluster.StartMock())
            {
                string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
                await cluster.CreateTopicAsync(input);
                await cluster.CreateTopicAsync(outputTopic);
                await cluster.ProduceAsync(input, ExactlyOnceSetup.Records(0, 50));
                using var transactions = new TransactionCounter($"kafka:{outputTopic}");
                var source = QuickToGiveUp(cluster, input, group, new MemoryLogger("source", log));
                var p = new PipelineBuilder("eos-stop");
                p.From(source).Select(r => (r.Key, r.Value)).ToKafka(ExactlyOnceSetup.SinkOptions(cluster, outputTopic, new MemoryLogger("sink", log)), x => x.Key, x => x.Value);
                run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromSeconds(1), TimeProvider = clock, CheckpointStorage = CheckpointStorage.Directory(directory) })
                    .Start(p.Build());
                await Eventually.True(() => cluster.EndOffsets(outputTopic).Values.Sum() >= 50, Deadline, "every result written into the open transaction");
                clock.Advance(TimeSpan.FromSeconds(1));
                await Eventually.True(() => transactions.Committed >= 1, Deadline, "a checkpoint to commit its transaction");
                await cluster.ProduceAsync(input, ExactlyOnceSetup.Records(50, 20));
                await Eventually.True(() => cluster.EndOffsets(outputTopic).Values.Sum() >= 70, Deadline, "the next results written into the next transaction");
            }

            // The mock cluster lived in the client just disposed: the open transaction, which holds records, cannot be
            // aborted now.
            var took = Stopwatch.StartNew();
            await run.StopAsync(drain: false).WaitAsync(TimeSpan.FromSeconds(45));
            took.Stop();
            foreach (var line in log) output.WriteLine(line);

            took.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "an abort waits 5 s at most, once, and leaving the group 1 s");
            log.Should().Contain(l => l.Contains("aborting the transaction of transactional id"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
