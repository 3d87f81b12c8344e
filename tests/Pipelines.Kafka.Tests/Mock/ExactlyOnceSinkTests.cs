using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once sink's transactions on librdkafka's mock cluster: one commit per checkpoint, the offsets sent to
/// them, an abort when a checkpoint fails, the same ids again after a restart. The mock runs the transaction protocol
/// but neither hides uncommitted or aborted records from <c>read_committed</c> consumers nor stores offsets sent in a
/// transaction nor fences; what that decides is proven against a real broker (<c>Real/ExactlyOnceRealBrokerTests</c>).
/// </summary>
public sealed class ExactlyOnceSinkTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-kafka-eos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private KafkaSource<string, string> Source(KafkaTestCluster cluster, string topic, string group) =>
        ExactlyOnceSetup.Source(cluster, topic, group, new TestOutputLogger(output, "source"));

    private KafkaSinkOptions<string, string> SinkOptions(KafkaTestCluster cluster, string topic, IKafkaConsumerGroupSource? offsetsOf = null, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        ExactlyOnceSetup.SinkOptions(cluster, topic, logger ?? new TestOutputLogger(output, "sink"), offsetsOf);

    private static List<TestRecord> Records(int from, int count) => ExactlyOnceSetup.Records(from, count);

    [Fact]
    public async Task WithoutCheckpointStorage_TheRunIsRefused_NamingTheSink()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 10))).ToKafka(
            SinkOptions(cluster, output),
            i => $"k{i}",
            i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var pipeline = p.Build();

        var bounded = () => new BoundedExecutor().RunAsync(pipeline).WaitAsync(Deadline);
        var streaming = () => new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval }).RunAsync(pipeline).WaitAsync(Deadline);

        (await bounded.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*kafka:{output}*exactly-once*stores none*StreamingOptions.CheckpointStorage*");
        (await streaming.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*kafka:{output}*exactly-once*stores none*StreamingOptions.CheckpointStorage*");
        cluster.EndOffsets(output).Values.Sum().Should().Be(0, "nothing is written without a transaction to put it in");
    }

    [Fact]
    public async Task AfterARepartitionWhoseStateMoves_ThroughAStageThatRekeysTheResults_TheStartIsRefused_SayingWhyAndWhatToDo()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        await cluster.ProduceAsync(input, Records(0, 20));
        using var transactions = new TransactionCounter($"kafka:{output}");

        var p = new PipelineBuilder("eos-moving-state");
        p.From(Source(cluster, input, group))
            .Select(r => r.Value)
            .Repartition(v => v, new KafkaRepartitionOptions { ConsumerConfig = cluster.GroupConsumerConfig, TopicCreationTimeout = TimeSpan.FromSeconds(1) })
            .Scan(0, (count, _) => count + 1)
            .KeyBy(n => n % 3)
            .Scan(0, (sum, n) => sum + n)
            .ToKafka(SinkOptions(cluster, output), n => "count", n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var run = () => new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(_directory) })
            .RunAsync(p.Build()).WaitAsync(Deadline);

        (await run.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*Kafka sink 'kafka:{output}' is exactly-once*keyed state that moves between instances with the partitions of an exchange*" +
                "must know which partition produced each result*an operator between the keyed stage and this sink does not keep each result's partition*DeliveryGuarantee.AtLeastOnce*compacted topic keyed by (key, window)*");
        transactions.Committed.Should().Be(0);
        cluster.EndOffsets(output).Values.Sum().Should().Be(0, "the sink is refused before it writes anything");
    }

    [Fact]
    public async Task EachCheckpointCommitsATransaction_WhileTheRunGoesOn_AndTheDrainCommitsTheLast()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        var first = Records(0, 100);
        await cluster.ProduceAsync(input, first);
        using var transactions = new TransactionCounter($"kafka:{output}");

        var p = new PipelineBuilder("eos-commit");
        p.From(Source(cluster, input, group)).Select(r => (r.Key, Value: r.Value.ToUpperInvariant())).ToKafka(SinkOptions(cluster, output), x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(_directory) }).Start(p.Build());

        await Eventually.True(() => transactions.Committed >= 2 && cluster.EndOffsets(output).Values.Sum() >= first.Count, Deadline, "checkpoints to commit transactions holding the first records");
        run.Completion.IsCompleted.Should().BeFalse("the transactions committed at checkpoints, not at the end of the run");
        var second = Records(100, 50);
        await cluster.ProduceAsync(input, second);
        await Eventually.True(() => cluster.EndOffsets(output).Values.Sum() >= first.Count + second.Count, Deadline, "the second records to be written");
        await run.StopAsync().WaitAsync(Deadline);

        var written = await Task.Run(() => cluster.ReadToEnd(output, Deadline));
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(first.Concat(second).Select(r => r.Value!.ToUpperInvariant()), "each result is written once");
        transactions.Aborted.Should().Be(0);
        run.CheckpointsCompleted.Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task SendOffsetsOf_PutsTheOffsetsInTheTransactions_SoTheSourceCommitsNoneItself()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        var records = Records(0, 120);
        await cluster.ProduceAsync(input, records);
        using var transactions = new TransactionCounter($"kafka:{output}");

        var source = Source(cluster, input, group);
        var p = new PipelineBuilder("eos-offsets");
        p.From(source).Select(r => (r.Key, r.Value)).ToKafka(SinkOptions(cluster, output, offsetsOf: source), x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(_directory) }).Start(p.Build());

        await Eventually.True(() => transactions.Committed >= 3 && cluster.EndOffsets(output).Values.Sum() >= records.Count, Deadline, "transactions carrying every record and its offsets to commit");
        await run.StopAsync().WaitAsync(Deadline);

        // SendOffsetsToTransaction and the commits succeeded against the mock (which does not store such offsets):
        // had the source committed its offsets itself, at a checkpoint or after the drain, the group would have them.
        cluster.CommittedOffsets(group, input).Should().BeEmpty("the offsets went only into the sink's transactions");
        transactions.Aborted.Should().Be(0);
        (await Task.Run(() => cluster.ReadToEnd(output, Deadline))).Select(r => r.Message.Value).Should().BeEquivalentTo(records.Select(r => r.Value));
    }

    [Fact]
    public async Task SendOffsetsOf_WithADeadLetterCopyThatCannotBeDelivered_CommitsNoTransaction_AndFailsTheRun()
    {
        // The offsets went into the checkpoint's transaction without waiting for the dead-letter copies, so the
        // transaction committed the offset past a record whose copy was then lost (the promise: an offset is
        // committed only once its record's copy is durable).
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        await cluster.ProduceAsync(input, [new TestRecord("k", "{not json"), .. Enumerable.Range(0, 20).Select(i => new TestRecord("k", $"{i}"))]);
        using var transactions = new TransactionCounter($"kafka:{output}");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        var source = new KafkaSource<string, int>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [input],
            ConsumerConfig = cluster.GroupConsumerConfig,
            ValueDeserializer = new JsonSerde<int>(),
            OnDeserializationError = ErrorPolicy.DeadLetter,
            DeadLetterTopic = "unreachable-dlq",

            // Nothing listens on port 1 of the loopback address: the copy times out after two seconds.
            DeadLetterProducerConfig = new Confluent.Kafka.ProducerConfig { BootstrapServers = "127.0.0.1:1", MessageTimeoutMs = 2000 },
        });
        var p = new PipelineBuilder("eos-dead-letters").WithDeadLetterSink(Sinks.Action<DeadLetter>(deadLetters.Enqueue));
        p.From(source).Select(r => (r.Key, Value: r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToKafka(SinkOptions(cluster, output, offsetsOf: source), x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromSeconds(1), TimeProvider = clock, CheckpointStorage = CheckpointStorage.Directory(_directory) })
            .Start(p.Build());
        await Eventually.True(() => !deadLetters.IsEmpty, Deadline, "the bad record read and dead-lettered");

        clock.Advance(TimeSpan.FromSeconds(1));
        var act = () => run.Completion.WaitAsync(Deadline);

        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("dead-letter topic 'unreachable-dlq'");
        transactions.Committed.Should().Be(0, "no transaction may carry the offset past a record whose copy is not durable");
    }

    [Fact]
    public async Task SendOffsetsOf_PartitionsRevokedWithRecordsReadSinceTheLastCheckpoint_IsAWarningThatResultsMayRepeat()
    {
        // Not yet supported with several instances in one group (README): it happened without a word.
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        await cluster.ProduceAsync(input, Records(0, 40));
        var log = new ConcurrentQueue<string>();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = ExactlyOnceSetup.Source(cluster, input, group, new MemoryLogger("a", log));
        var p = new PipelineBuilder("eos-scaled");
        p.From(source).Select(r => (r.Key, r.Value)).ToKafka(SinkOptions(cluster, output, offsetsOf: source), x => x.Key, x => x.Value);
        var first = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromSeconds(1), TimeProvider = clock, CheckpointStorage = CheckpointStorage.Directory(_directory) })
            .Start(p.Build());
        using var transactions = new TransactionCounter($"kafka:{output}");
        await Eventually.True(() => cluster.EndOffsets(output).Values.Sum() >= 40, Deadline, "every record read");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.True(() => transactions.Committed >= 1, Deadline, "a checkpoint's transaction with the offsets");
        await cluster.ProduceAsync(input, Records(40, 40));
        await Eventually.True(() => cluster.EndOffsets(output).Values.Sum() >= 80, Deadline, "records read since the checkpoint");

        var second = GroupInstance.Start(cluster, input, group, "b");
        await Eventually.True(() => log.Any(l => l.Contains("were revoked while an exactly-once sink commits this source's offsets")), Deadline, "the warning");
        await Task.WhenAll(first.StopAsync(), second.Run.StopAsync()).WaitAsync(Deadline);

        log.Should().Contain(l => l.Contains("Warning") && l.Contains("read_committed consumers may see those results twice"));
    }

    [Fact]
    public async Task SendOffsetsOf_ASourceTheRunDoesNotRead_FailsTheRun_SayingSo()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(output);
        var elsewhere = Source(cluster, KafkaTestCluster.UniqueName("in"), KafkaTestCluster.UniqueName("g"));
        var p = new PipelineBuilder("eos-unlinked");
        p.From(Sources.Enumerable(Enumerable.Range(0, 10))).Select(i => ($"k{i}", $"v{i}")).ToKafka(SinkOptions(cluster, output, offsetsOf: elsewhere), x => x.Item1, x => x.Item2);

        var act = () => new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(_directory) }).RunAsync(p.Build()).WaitAsync(Deadline);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage($"*kafka:{output}*SendOffsetsOf*not read in this run*");
    }

    [Fact]
    public async Task AFailedCheckpoint_AbortsTheOpenTransactions_AndFailsTheRun()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        await cluster.ProduceAsync(input, Records(0, 50));
        using var transactions = new TransactionCounter($"kafka:{output}");
        var log = new ConcurrentQueue<string>();

        var p = new PipelineBuilder("eos-abort");
        p.From(Source(cluster, input, group)).Select(r => (r.Key, r.Value)).ToKafka(SinkOptions(cluster, output, logger: new MemoryLogger("sink", log)), x => x.Key, x => x.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = new FailingCheckpointStorage(failAt: 3) }).Start(p.Build());

        var act = () => run.Completion.WaitAsync(Deadline);
        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("The checkpoint store is unavailable (checkpoint 3)");

        transactions.Committed.Should().Be(2, "checkpoints 1 and 2 were stored and committed; checkpoint 3 was not stored");
        transactions.Aborted.Should().BeGreaterThanOrEqualTo(1, "checkpoint 3's pre-committed transaction (and the next one, when open) is aborted");
        log.Should().Contain(l => l.Contains("aborted the transaction of checkpoint 3", StringComparison.Ordinal), string.Join(Environment.NewLine, log));
    }

    [Fact]
    public async Task ARestartedRun_InitialisesTheSameTransactionalIds_RestoringTheLastCheckpoint()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string input = KafkaTestCluster.UniqueName("in"), output = KafkaTestCluster.UniqueName("out"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(input);
        await cluster.CreateTopicAsync(output);
        await cluster.ProduceAsync(input, Records(0, 60));
        using var transactions = new TransactionCounter($"kafka:{output}");

        async Task<ConcurrentQueue<string>> RunUntilCommittedAsync(long commits, bool drain)
        {
            var log = new ConcurrentQueue<string>();
            var p = new PipelineBuilder("eos-restart");
            p.From(Source(cluster, input, group)).Select(r => (r.Key, r.Value)).ToKafka(SinkOptions(cluster, output, logger: new MemoryLogger("sink", log)), x => x.Key, x => x.Value);
            var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, CheckpointStorage = CheckpointStorage.Directory(_directory) }).Start(p.Build());
            await Eventually.True(() => transactions.Committed >= commits, Deadline, $"{commits} transactions to commit");
            await run.StopAsync(drain).WaitAsync(Deadline);
            return log;
        }

        var firstLog = await RunUntilCommittedAsync(2, drain: false);
        var secondLog = await RunUntilCommittedAsync(transactions.Committed + 1, drain: true);

        string ids = $"eos-{output}-0-0, eos-{output}-0-1";
        firstLog.Should().Contain(l => l.Contains($"initialised transactional ids {ids} (restoring checkpoint none)", StringComparison.Ordinal), string.Join(Environment.NewLine, firstLog));
        secondLog.Should().Contain(l => l.Contains($"initialised transactional ids {ids} (restoring checkpoint ", StringComparison.Ordinal) && !l.Contains("checkpoint none", StringComparison.Ordinal), string.Join(Environment.NewLine, secondLog));
        transactions.Aborted.Should().BeGreaterThanOrEqualTo(1, "the run stopped without draining aborted its open transaction");
    }
}
