using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once sink when a run stops around a checkpoint: a checkpoint stored just as the run is cancelled still
/// commits its transaction, and a drain while a checkpoint is in flight commits that checkpoint's transaction only once
/// it is stored. On librdkafka's mock cluster, which runs the transaction protocol but shows aborted records to every
/// consumer: these tests decide by which transactions committed and aborted (the sink's metrics and log), not by what a
/// <c>read_committed</c> consumer would see, which only a real broker shows (<c>Real/ExactlyOnceRealBrokerTests</c>).
/// </summary>
public sealed class ExactlyOnceStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static string Lines(ConcurrentQueue<string> log) => string.Join(Environment.NewLine, log);

    private PipelineRun Start(KafkaTestCluster cluster, string input, string outputTopic, string group, CheckpointStorage storage, ConcurrentQueue<string> log, CancellationToken cancellationToken = default)
    {
        var p = new PipelineBuilder("eos-stop");
        p.From(ExactlyOnceSetup.Source(cluster, input, group, new TestOutputLogger(output, "source")))
            .Select(r => (r.Key, r.Value))
            .ToKafka(ExactlyOnceSetup.SinkOptions(cluster, outputTopic, new MemoryLogger("sink", log)), x => x.Key, x => x.Value);
        return new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = storage, Logger = new MemoryLogger("run", log) }).Start(p.Build(), cancellationToken);
    }

    [Fact]
    public async Task ACheckpointStored_AsTheRunIsCancelled_StillCommitsItsTransaction_AndTheNextRunResumesFromIt()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(outputTopic);
        var records = ExactlyOnceSetup.Records(0, 60);
        await cluster.ProduceAsync(input, records);
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var log = new ConcurrentQueue<string>();
        var storage = new FailingCheckpointStorage(failAt: 0);
        using var stop = new CancellationTokenSource();

        var run = Start(cluster, input, outputTopic, group, storage, log, stop.Token);
        await Eventually.True(() => cluster.EndOffsets(outputTopic).Values.Sum() >= records.Count, Deadline, "every record to be written");

        // Checkpoint `stored` is pre-committed after every record was written; the run is cancelled (a stop without
        // draining) the moment its manifest is published, so its commit is asked for with the run's token cancelled.
        long stored = storage.LastPublished + 2;
        storage.AfterPublish = id =>
        {
            if (id == stored) stop.Cancel();
        };
        try
        {
            await run.Completion.WaitAsync(Deadline);
        }
        catch (OperationCanceledException)
        {
            // The run was cancelled: expected.
        }

        output.WriteLine(Lines(log));
        storage.LastPublished.Should().Be(stored, "the run stopped at the checkpoint that cancelled it");
        transactions.Committed.Should().Be(stored, "checkpoints 1 to {0} are stored, so each committed its transaction — the last one although the run was being cancelled", stored);
        transactions.Aborted.Should().Be(1, "only the transaction opened after the last checkpoint is aborted");
        log.Should().NotContain(l => l.Contains($"aborted the transaction of checkpoint {stored}", StringComparison.Ordinal));
        log.Should().NotContain(l => l.Contains("are lost", StringComparison.Ordinal));

        // The next run resumes after checkpoint `stored`: everything before it is committed, so it writes nothing again.
        var nextLog = new ConcurrentQueue<string>();
        var next = Start(cluster, input, outputTopic, group, storage, nextLog);
        await Eventually.True(() => nextLog.Any(l => l.Contains($"(restoring checkpoint {stored})", StringComparison.Ordinal)), Deadline, () => "the next run to restore the checkpoint:" + Environment.NewLine + Lines(nextLog));
        await next.StopAsync().WaitAsync(Deadline);
        var written = await Task.Run(() => cluster.ReadToEnd(outputTopic, Deadline));
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(records.Select(r => r.Value), "each record is written once (the mock would show an aborted duplicate too)");
    }

    [Fact]
    public async Task ADrain_WhileACheckpointIsInFlight_DoesNotCommitItsTransaction_BeforeItIsStored_AndAFailedStoreAbortsIt()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(outputTopic);
        var records = ExactlyOnceSetup.Records(0, 60);
        await cluster.ProduceAsync(input, records);
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var log = new ConcurrentQueue<string>();
        var storage = new FailingCheckpointStorage(failAt: 0);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long held = 0;

        var run = Start(cluster, input, outputTopic, group, storage, log);
        await Eventually.True(() => cluster.EndOffsets(outputTopic).Values.Sum() >= records.Count && storage.LastPublished >= 1, Deadline, "every record to be written and a checkpoint stored");

        // The next checkpoint's manifest write waits (its transaction is pre-committed by then), and the run drains meanwhile.
        storage.BeforePublish = async id =>
        {
            if (Interlocked.CompareExchange(ref held, id, 0) != 0) return;
            await release.Task;
            throw new IOException($"The checkpoint store is unavailable (checkpoint {id}).");
        };
        await Eventually.True(() => Interlocked.Read(ref held) != 0, Deadline, "a checkpoint to be in flight");
        long committedBefore = transactions.Committed;
        var stopping = run.StopAsync(drain: true);
        await Eventually.True(
            () => log.Any(l => l.Contains($"the final checkpoint follows checkpoint {Interlocked.Read(ref held)}", StringComparison.Ordinal)) || transactions.Committed > committedBefore,
            Deadline,
            () => "the drain to end the input while the checkpoint is in flight:" + Environment.NewLine + Lines(log));

        transactions.Committed.Should().Be(committedBefore, "checkpoint {0} is not stored yet, so neither its transaction nor the last one may commit", Interlocked.Read(ref held));

        release.SetResult();
        var act = () => stopping.WaitAsync(Deadline);
        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain($"The checkpoint store is unavailable (checkpoint {Interlocked.Read(ref held)})");
        output.WriteLine(Lines(log));
        transactions.Committed.Should().Be(committedBefore, "the checkpoint failed, so the run failed and committed nothing more");
        log.Should().Contain(l => l.Contains($"aborted the transaction of checkpoint {Interlocked.Read(ref held)}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADrain_WhileACheckpointIsInFlight_CommitsItsTransactionOnceStored_ThenTheLast()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), outputTopic = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(outputTopic);
        var records = ExactlyOnceSetup.Records(0, 60);
        await cluster.ProduceAsync(input, records);
        using var transactions = new TransactionCounter($"kafka:{outputTopic}");
        var log = new ConcurrentQueue<string>();
        var storage = new FailingCheckpointStorage(failAt: 0);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long held = 0;

        var run = Start(cluster, input, outputTopic, group, storage, log);
        await Eventually.True(() => cluster.EndOffsets(outputTopic).Values.Sum() >= records.Count && storage.LastPublished >= 1, Deadline, "every record to be written and a checkpoint stored");
        storage.BeforePublish = async id =>
        {
            if (Interlocked.CompareExchange(ref held, id, 0) == 0) await release.Task;
        };
        await Eventually.True(() => Interlocked.Read(ref held) != 0, Deadline, "a checkpoint to be in flight");
        long committedBefore = transactions.Committed;
        var stopping = run.StopAsync(drain: true);
        await Eventually.True(
            () => log.Any(l => l.Contains($"the final checkpoint follows checkpoint {Interlocked.Read(ref held)}", StringComparison.Ordinal)) || transactions.Committed > committedBefore,
            Deadline,
            () => "the drain to end the input while the checkpoint is in flight:" + Environment.NewLine + Lines(log));

        release.SetResult();
        await stopping.WaitAsync(Deadline);
        output.WriteLine(Lines(log));
        transactions.Committed.Should().Be(committedBefore + 2, "the stored checkpoint committed its transaction, then the drain the last one");
        transactions.Aborted.Should().Be(0);
        var written = await Task.Run(() => cluster.ReadToEnd(outputTopic, Deadline));
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(records.Select(r => r.Value), "each record is written once");
    }

    [Fact]
    public async Task CancellingWhileTheSinkInitialisesItsTransactions_WithTheBrokersUnreachable_EndsAtOnce_NotAfterTheTransactionTimeout()
    {
        var log = new ConcurrentQueue<string>();
        string storage = Path.Combine(Path.GetTempPath(), "pipelines-eos-init-" + Guid.NewGuid().ToString("N"));
        var input = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var p = new PipelineBuilder("eos-unreachable");
        p.From(Sources.Channel(input.Reader))
            .ToKafka(
                new KafkaSinkOptions<string, string>
                {
                    BootstrapServers = "127.0.0.1:9", // nothing listens: InitTransactions waits for a coordinator until the transaction timeout
                    Topic = "totals",
                    Guarantee = DeliveryGuarantee.ExactlyOnce,
                    TransactionalIdPrefix = "eos-unreachable",
                    TransactionTimeout = TimeSpan.FromSeconds(30),
                    Logger = new MemoryLogger("sink", log),
                },
                x => x,
                x => x);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromSeconds(1), CheckpointStorage = CheckpointStorage.Directory(storage) }).Start(p.Build());
        try
        {
            // The producers have tried the address (and are initialising their transactional ids).
            await Eventually.True(() => log.Count(l => l.Contains("127.0.0.1:9", StringComparison.Ordinal)) >= 2, Deadline, () => "the sink's producers to try the brokers: " + Lines(log));

            var stopped = () => run.StopAsync(drain: false).WaitAsync(TimeSpan.FromSeconds(10));
            await stopped.Should().NotThrowAsync<TimeoutException>("a cancelled run does not wait for the brokers to answer (the transaction timeout is 30 s)");
        }
        finally
        {
            if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
        }
    }
}
