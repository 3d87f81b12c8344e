using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once sink with <see cref="StreamingOptions.TolerableCheckpointFailures"/>: a checkpoint that cannot be
/// stored leaves its transaction open, and the next completed checkpoint commits it before its own. On librdkafka's
/// mock cluster, which shows aborted records to every consumer: the output is checked with no transaction aborted at
/// all, so what a consumer reads here is exactly what the transactions committed.
/// </summary>
public sealed class ExactlyOnceToleranceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task ATolerance_AboveWhatTheSinkKeepsProducersFor_FailsTheRunAtStart_NamingTheOptionAndTheSink()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(outputTopic);
        var storage = new FailingCheckpointStorage(failAt: int.MaxValue);
        var p = new PipelineBuilder("eos-tolerance-limit");
        p.From(ExactlyOnceSetup.Source(cluster, input, group, new TestOutputLogger(output, "source")))
            .Select(r => (r.Key, r.Value))
            .ToKafka(ExactlyOnceSetup.SinkOptions(cluster, outputTopic, new MemoryLogger("sink", new ConcurrentQueue<string>())), x => x.Key, x => x.Value);

        // "Tolerate every failure", as Flink users write it.
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = storage, TolerableCheckpointFailures = int.MaxValue }).Start(p.Build());

        var error = (await run.Completion.Invoking(c => c.WaitAsync(Deadline)).Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.ToString().Should().Contain("TolerableCheckpointFailures").And.Contain("up to 16").And.Contain(outputTopic);
    }

    [Fact]
    public async Task ATolerated_CheckpointFailure_KeepsItsTransaction_ForTheNextCheckpoint_AndTheRunGoesOn()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(outputTopic);
        var first = ExactlyOnceSetup.Records(0, 60);
        var second = ExactlyOnceSetup.Records(60, 40);
        await cluster.ProduceAsync(input, first);
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var log = new ConcurrentQueue<string>();
        string Lines() => string.Join(Environment.NewLine, log);

        // Checkpoint 3 cannot be stored; more records arrive as checkpoint 2 is stored, so checkpoint 3's transaction
        // (or 4's, depending on when they are read) carries them.
        var storage = new FailingCheckpointStorage(failAt: 3);
        storage.AfterPublish = id =>
        {
            if (id == 2) cluster.ProduceAsync(input, second).GetAwaiter().GetResult();
        };
        var p = new PipelineBuilder("eos-tolerance");
        p.From(ExactlyOnceSetup.Source(cluster, input, group, new TestOutputLogger(output, "source")))
            .Select(r => (r.Key, r.Value))
            .ToKafka(ExactlyOnceSetup.SinkOptions(cluster, outputTopic, new MemoryLogger("sink", log)), x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = storage, TolerableCheckpointFailures = 1 }).Start(p.Build());

        await Eventually.True(
            () => run.Completion.IsCompleted || (storage.LastPublished >= 5 && cluster.EndOffsets(outputTopic).Values.Sum() >= first.Count + second.Count),
            Deadline,
            () => "checkpoints after the failed one to be stored and every record written:" + Environment.NewLine + Lines());
        run.Completion.IsCompleted.Should().BeFalse("a tolerated checkpoint failure does not fail the run: {0}", run.Completion.Exception);
        await run.StopAsync().WaitAsync(Deadline);
        output.WriteLine(Lines());

        string ids = $"eos-{outputTopic}-0-0, eos-{outputTopic}-0-1, eos-{outputTopic}-0-2";
        log.Should().Contain(l => l.Contains($"initialised transactional ids {ids} ", StringComparison.Ordinal), "one tolerated failure needs a third transactional id");
        log.Should().Contain(l => l.Contains("checkpoint 3 was aborted; its transaction", StringComparison.Ordinal));
        log.Should().Contain(l => l.Contains("checkpoint 4 committed the transactions of checkpoints 3, 4", StringComparison.Ordinal));
        transactions.Aborted.Should().Be(0, "nothing is aborted: checkpoint 3's transaction went with checkpoint 4");
        var written = await Task.Run(() => cluster.ReadToEnd(outputTopic, Deadline));
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(first.Concat(second).Select(r => r.Value), "each record is written once, none lost");
    }
}
