using System.Reflection;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once Kafka sink's writer after moving state, driven directly on the mock cluster: it holds each
/// partition's results until the pre-commit, which produces them into the checkpoint's transaction with the
/// repartition offsets; a revocation drops what it holds of the revoked partitions, and only of them.
/// </summary>
public sealed class MovingStateSinkWriterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A repartition source as the writer links to it: no offsets (none to send), marks stored nowhere.</summary>
    private sealed class Exchange : IPartitionedStateSource, IRepartitionSource, IRepartitionOffsets
    {
        public int PartitionCount => 4;

        public string TopicName => "exchange";

        public Func<TKey, int>? PartitionerFor<TKey>() => null;

        public bool TryGetPartitionOffset(object position, int partition, out long offset)
        {
            offset = 0;
            return false;
        }

        public IRepartitionOffsets OffsetsForTransactions(string sinkName) => this;

        public Task StoreMarksAsync(long checkpointId, CancellationToken cancellationToken) => Task.CompletedTask;

        public (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) CheckpointOffsets(long checkpointId) => ([], null!);

        public (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) FinalOffsets() => ([], null!);

        public void Committed(List<TopicPartitionOffset> offsets)
        {
        }
    }

    /// <summary>The context a run gives a sink after moving state whose results carry their partitions (built as the executor builds it).</summary>
    private static SinkCheckpointContext MovingContext(IPartitionedStateSource source) =>
        (SinkCheckpointContext)typeof(SinkCheckpointContext)
            .GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic)
            .Single()
            .Invoke([null, TimeSpan.FromSeconds(1), 0, true, source]);

    [Fact]
    public async Task HeldResults_OfARevokedPartition_AreDropped_AndTheOthersCommitWithTheCheckpoint()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("totals");
        await cluster.CreateTopicAsync(topic);
        var sink = new KafkaSink<(string Key, int Partition), string, string>(
            ExactlyOnceSetup.SinkOptions(cluster, topic, new TestOutputLogger(output, "sink")), x => x.Key, x => $"p{x.Partition}");
        await using var writer = await sink.OpenAsync(CancellationToken.None);

        writer.AcceptsStatePartitions.Should().BeTrue("an exactly-once Kafka sink takes each result with its partition");
        await writer.StartCheckpointsAsync(MovingContext(new Exchange()), CancellationToken.None);
        writer.Write([("a", 0), ("b", 1), ("c", 2)], [0, 1, 2]);
        writer.PartitionsRevoked([1]);
        writer.Write([("d", 1), ("e", 0)], [1, 0]);
        await writer.PreCommitAsync(1, CancellationToken.None);
        await writer.CommitCheckpointAsync(1, CancellationToken.None);

        writer.Write([("f", 2)], [2]);
        writer.PartitionsRevoked([2, 3]);
        await writer.PreCommitAsync(2, CancellationToken.None);
        await writer.CommitCheckpointAsync(2, CancellationToken.None);

        var written = await Task.Run(() => cluster.ReadToEnd(topic, Deadline));
        written.Select(r => r.Message.Key).Should().BeEquivalentTo(["a", "c", "d", "e"],
            "b (partition 1, before its revocation) and f (partition 2, before its) are dropped; d comes from partition 1's next assignment");
    }

    [Fact]
    public async Task AResultThatNoPartitionProduced_IsAnElementError_NamingTheSink()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("totals");
        await cluster.CreateTopicAsync(topic);
        var sink = new KafkaSink<string, string, string>(ExactlyOnceSetup.SinkOptions(cluster, topic, new TestOutputLogger(output, "sink")), x => x, x => x);
        await using var writer = await sink.OpenAsync(CancellationToken.None);
        await writer.StartCheckpointsAsync(MovingContext(new Exchange()), CancellationToken.None);

        var write = () => writer.Write(["x", "y"], [0, -1]);

        write.Should().Throw<SinkElementException>().Where(e => e.Index == 1)
            .WithInnerException<InvalidOperationException>().WithMessage($"*Kafka sink 'kafka:{topic}'*came from no partition's state*");
    }

    /// <summary>The exactly-once options of a sink of strings, with a value serializer or producer settings of its own.</summary>
    private KafkaSinkOptions<string, string> StringOptions(KafkaTestCluster cluster, string topic, ISerializer<string>? valueSerializer = null, ProducerConfig? producer = null)
    {
        var defaults = ExactlyOnceSetup.SinkOptions(cluster, topic, new TestOutputLogger(output, "sink"));
        return new KafkaSinkOptions<string, string>
        {
            BootstrapServers = defaults.BootstrapServers,
            Topic = topic,
            Guarantee = DeliveryGuarantee.ExactlyOnce,
            TransactionalIdPrefix = defaults.TransactionalIdPrefix,
            Logger = defaults.Logger,
            ValueSerializer = valueSerializer,
            ProducerConfig = producer,
        };
    }

    /// <summary>A value serializer that refuses one value, as a JSON serializer refuses NaN.</summary>
    private sealed class RefusingSerializer : ISerializer<string>
    {
        public byte[] Serialize(string data, SerializationContext context) =>
            data == "bad" ? throw new FormatException("'bad' cannot be written") : System.Text.Encoding.UTF8.GetBytes(data);
    }

    [Fact]
    public async Task AResultItsSerializerRefuses_IsAnElementErrorWhenWritten_NotAFailureOfThePreCommit()
    {
        // The records are held until the pre-commit, where the serializer ran first: its failure failed the checkpoint
        // and the run, whatever the error policy, and every restart emitted the same result again.
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("totals");
        await cluster.CreateTopicAsync(topic);
        var sink = new KafkaSink<string, string, string>(StringOptions(cluster, topic, valueSerializer: new RefusingSerializer()), x => x, x => x);
        await using var writer = await sink.OpenAsync(CancellationToken.None);
        await writer.StartCheckpointsAsync(MovingContext(new Exchange()), CancellationToken.None);

        var write = () => writer.Write(["a", "bad", "c"], [0, 1, 2]);
        write.Should().Throw<SinkElementException>().Where(e => e.Index == 1).WithInnerException<FormatException>();
        writer.Write(["c"], [2]);
        await writer.PreCommitAsync(1, CancellationToken.None);
        await writer.CommitCheckpointAsync(1, CancellationToken.None);

        var written = await Task.Run(() => cluster.ReadToEnd(topic, Deadline));
        written.Select(r => r.Message.Key).Should().BeEquivalentTo(["a", "c"]);
    }

    [Fact]
    public async Task AResultLargerThanTheProducersLimit_IsAnElementErrorWhenWritten_NotAFailureOfThePreCommit()
    {
        // Held until the pre-commit, a record over message.max.bytes failed the checkpoint there, and every restart
        // from it, which emits the same result again.
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("totals");
        await cluster.CreateTopicAsync(topic);
        var sink = new KafkaSink<string, string, string>(StringOptions(cluster, topic, producer: new ProducerConfig { MessageMaxBytes = 1_000 }), x => x.Length > 1 ? "big" : x, x => x);
        await using var writer = await sink.OpenAsync(CancellationToken.None);
        await writer.StartCheckpointsAsync(MovingContext(new Exchange()), CancellationToken.None);

        string big = new('x', 1_000);
        var write = () => writer.Write(["a", big, "b"], [0, 1, 2]);
        write.Should().Throw<SinkElementException>().Where(e => e.Index == 1)
            .WithInnerException<KafkaException>().Where(e => e.Error.Code == ErrorCode.MsgSizeTooLarge && e.Message.Contains("message.max.bytes (1000)", StringComparison.Ordinal));
        // At the limit: 36 bytes of framing, the key "big" and 961 bytes of value make 1,000.
        writer.Write(["b", new string('y', 961)], [2, 3]);
        await writer.PreCommitAsync(1, CancellationToken.None);
        await writer.CommitCheckpointAsync(1, CancellationToken.None);

        var written = await Task.Run(() => cluster.ReadToEnd(topic, Deadline));
        written.Select(r => r.Message.Key).Should().BeEquivalentTo(["a", "b", "big"], "a record at the limit is written");
    }
}
