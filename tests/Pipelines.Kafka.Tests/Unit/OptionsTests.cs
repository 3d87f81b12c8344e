using System.Text;
using Confluent.Kafka;

namespace Pipelines.Kafka.Tests.Unit;

public class OptionsTests
{
    private sealed record Order(string Id, decimal Amount);

    [Fact]
    public void Source_WithoutTopics_IsRejected()
    {
        var act = () => new KafkaSource<string, string>(new() { BootstrapServers = "b:1", GroupId = "g", Topics = [] });
        act.Should().Throw<ArgumentException>().WithMessage("*at least one topic*");
    }

    [Fact]
    public void Source_EmptyDeadLetterTopic_IsRejected()
    {
        var act = () => new KafkaSource<string, string>(new()
        {
            BootstrapServers = "b:1", GroupId = "g", Topics = ["in"], OnDeserializationError = ErrorPolicy.DeadLetter, DeadLetterTopic = " ",
        });
        act.Should().Throw<ArgumentException>().WithMessage("*DeadLetterTopic*");
    }

    [Fact]
    public void Source_DeadLetterPolicy_NeedsThePipelinesDeadLetterSink_LikeEveryOperator()
    {
        var source = new KafkaSource<string, string>(new()
        {
            BootstrapServers = "b:1", GroupId = "g", Topics = ["in"], OnDeserializationError = ErrorPolicy.DeadLetter, DeadLetterTopic = "dlq",
        });
        source.BadRecordPolicy.Should().Be(ErrorPolicy.DeadLetter);
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Action<KafkaRecord<string, string>>(_ => { }));

        p.Invoking(b => b.Build()).Should().Throw<InvalidOperationException>().WithMessage("*WithDeadLetterSink*");
    }

    [Fact]
    public void Source_WithoutAPolicy_LeavesItToTheStreamOrThePipeline()
    {
        new KafkaSource<string, string>(new() { BootstrapServers = "b:1", GroupId = "g", Topics = ["in"] }).BadRecordPolicy.Should().BeNull();
    }

    [Fact]
    public void Position_RoundTripsThroughSystemTextJson()
    {
        var position = new KafkaPosition([new KafkaPartitionPosition("orders", 0, 42, 3), new KafkaPartitionPosition("orders", 5, 7, 1)]);

        string json = System.Text.Json.JsonSerializer.Serialize(position);
        var back = System.Text.Json.JsonSerializer.Deserialize<KafkaPosition>(json);

        json.Should().Be("""{"Partitions":[{"Topic":"orders","Partition":0,"NextOffset":42,"Epoch":3},{"Topic":"orders","Partition":5,"NextOffset":7,"Epoch":1}]}""");
        back!.Partitions.Should().Equal(position.Partitions);
    }

    [Fact]
    public void MalformedRecord_ShowsTheFailedPartAsText()
    {
        var record = new MalformedKafkaRecord("t", 0, 1, "k"u8.ToArray(), "{bad"u8.ToArray(), DateTimeOffset.UnixEpoch, [], MessageComponentType.Value);
        record.ToString().Should().Be("{bad");
        (record with { Component = MessageComponentType.Key }).ToString().Should().Be("k");
        (record with { Value = null }).ToString().Should().Be("null");
    }

    [Fact]
    public void Source_ValueTypeWithoutDeserializer_IsRejected_NamingTheFix()
    {
        var act = () => new KafkaSource<string, Order>(new() { BootstrapServers = "b:1", GroupId = "g", Topics = ["in"] });
        act.Should().Throw<ArgumentException>().WithMessage("*JsonSerde<Order>*");
    }

    [Fact]
    public void Source_TooLongPollInterval_IsRejected()
    {
        var act = () => new KafkaSource<string, string>(new()
        {
            BootstrapServers = "b:1", GroupId = "g", Topics = ["in"], PollInterval = TimeSpan.FromSeconds(5),
        });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*cancellable*");
    }

    [Fact]
    public void Source_ZeroCloseTimeout_IsRejected()
    {
        var act = () => new KafkaSource<string, string>(new()
        {
            BootstrapServers = "b:1", GroupId = "g", Topics = ["in"], CloseTimeout = TimeSpan.Zero,
        });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*CloseTimeout*");
    }

    [Fact]
    public void Source_DefaultsAndName()
    {
        var source = new KafkaSource<string, byte[]>(new() { BootstrapServers = "b:1", GroupId = "g", Topics = ["a", "b"] });
        source.Name.Should().Be("kafka:a,b");
        source.IsBounded.Should().BeFalse();
        source.Options.CommitTimeout.Should().Be(TimeSpan.FromSeconds(5));
        source.Options.CloseTimeout.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Sink_ValueTypeWithoutSerializer_IsRejected_NamingTheFix()
    {
        var act = () => new KafkaSink<Order, string, Order>(new() { BootstrapServers = "b:1", Topic = "out" }, o => o.Id, o => o);
        act.Should().Throw<ArgumentException>().WithMessage("*JsonSerde<Order>*");
    }

    [Fact]
    public void Consumer_AlwaysCommitsManually_AndDefaultsToCooperativeSticky()
    {
        var config = ClientConfigs.Consumer(new KafkaSourceOptions<string, string>
        {
            BootstrapServers = "b:1",
            GroupId = "g",
            Topics = ["in"],
            ConsumerConfig = new ConsumerConfig { EnableAutoCommit = true, SessionTimeoutMs = 7000, SecurityProtocol = SecurityProtocol.SaslSsl },
        });

        config.EnableAutoCommit.Should().BeFalse();
        config.EnableAutoOffsetStore.Should().BeFalse();
        config.SessionTimeoutMs.Should().Be(7000);
        config.PartitionAssignmentStrategy.Should().Be(PartitionAssignmentStrategy.CooperativeSticky);
        config.AutoOffsetReset.Should().Be(AutoOffsetReset.Earliest);
        config.EnablePartitionEof.Should().BeTrue("the end of a partition gives the lag metric its position");
    }

    [Fact]
    public void DeadLetterProducer_TakesOnlyConnectionSettingsFromTheConsumer()
    {
        var config = ClientConfigs.DeadLetterProducer(new KafkaSourceOptions<string, string>
        {
            BootstrapServers = "b:1",
            GroupId = "g",
            Topics = ["in"],
            OnDeserializationError = ErrorPolicy.DeadLetter,
            DeadLetterTopic = "dlq",
            ConsumerConfig = new ConsumerConfig { SessionTimeoutMs = 7000, SecurityProtocol = SecurityProtocol.SaslSsl, SaslUsername = "u" },
        });

        config.BootstrapServers.Should().Be("b:1");
        config.SecurityProtocol.Should().Be(SecurityProtocol.SaslSsl);
        config.SaslUsername.Should().Be("u");
        config.Get("session.timeout.ms").Should().BeNull();
    }

    [Fact]
    public void Producer_IsAlwaysIdempotentWithAcksAll_AndUsesTheJavaPartitioner()
    {
        var config = ClientConfigs.Producer(new KafkaSinkOptions<string, string>
        {
            BootstrapServers = "b:1",
            Topic = "out",
            ProducerConfig = new ProducerConfig { EnableIdempotence = false, Acks = Acks.Leader, LingerMs = 20 },
        });

        config.EnableIdempotence.Should().BeTrue();
        config.Acks.Should().Be(Acks.All);
        config.LingerMs.Should().Be(20);
        config.Partitioner.Should().Be(Partitioner.Murmur2Random);
    }

    [Fact]
    public void Sink_IsAtLeastOnceByDefault()
    {
        var options = new KafkaSinkOptions<string, string> { BootstrapServers = "b:1", Topic = "out" };
        options.Guarantee.Should().Be(DeliveryGuarantee.AtLeastOnce);
        options.InstanceId.Should().Be("0");
        ClientConfigs.Producer(options).TransactionalId.Should().BeNull();
    }

    [Fact]
    public void Sink_SendOffsetsOf_WithoutExactlyOnce_IsRejected()
    {
        var source = new KafkaSource<string, string>(new() { BootstrapServers = "b:1", GroupId = "g", Topics = ["in"] });
        var act = () => new KafkaSink<string, string, string>(new() { BootstrapServers = "b:1", Topic = "out", SendOffsetsOf = source }, x => x, x => x);
        act.Should().Throw<ArgumentException>().WithMessage("*SendOffsetsOf*DeliveryGuarantee.ExactlyOnce*");
    }

    [Fact]
    public void Sink_ExactlyOnce_RefusesATransactionalIdOfItsOwn_AndAnEmptyInstanceId()
    {
        var ownId = () => new KafkaSink<string, string, string>(
            new() { BootstrapServers = "b:1", Topic = "out", Guarantee = DeliveryGuarantee.ExactlyOnce, ProducerConfig = new ProducerConfig { TransactionalId = "mine" } }, x => x, x => x);
        var noInstance = () => new KafkaSink<string, string, string>(
            new() { BootstrapServers = "b:1", Topic = "out", Guarantee = DeliveryGuarantee.ExactlyOnce, InstanceId = "" }, x => x, x => x);

        ownId.Should().Throw<ArgumentException>().WithMessage("*transactional.id*TransactionalIdPrefix*InstanceId*");
        noInstance.Should().Throw<ArgumentException>().WithParameterName("InstanceId");
    }

    [Fact]
    public void TransactionalProducer_TakesItsIdAndTimeout_AndStaysIdempotent()
    {
        var options = new KafkaSinkOptions<string, string>
        {
            BootstrapServers = "b:1", Topic = "out", Guarantee = DeliveryGuarantee.ExactlyOnce, TransactionTimeout = TimeSpan.FromSeconds(30),
        };

        var config = ClientConfigs.TransactionalProducer(options, KafkaTransactions<string, string>.TransactionalId("job", "2", 1));

        config.TransactionalId.Should().Be("job-2-1");
        config.TransactionTimeoutMs.Should().Be(30_000);
        config.EnableIdempotence.Should().BeTrue();
        config.Acks.Should().Be(Acks.All);
    }

    [Fact]
    public void Fencing_IsRecognisedByCode_AndByLibrdkafkasFatalReason()
    {
        KafkaTransactions<string, string>.IsFenced(new Error(ErrorCode.ProducerFenced)).Should().BeTrue();
        KafkaTransactions<string, string>.IsFenced(new Error(ErrorCode.Local_Fenced)).Should().BeTrue();
        KafkaTransactions<string, string>.IsFenced(new Error(ErrorCode.Local_Fatal, "Producer fenced by newer instance")).Should().BeTrue();
        KafkaTransactions<string, string>.IsFenced(new Error(ErrorCode.Local_MsgTimedOut)).Should().BeFalse();
    }

    [Fact]
    public void AFatalConsumerError_NamesTheSourceAndItsGroup_AndKeepsTheCode()
    {
        var error = KafkaSourceReader<string, string>.Fatal("orders-a", "card-totals", new Error(ErrorCode.FencedInstanceId, "Broker: Static consumer fenced by other consumer with same group.instance.id", isFatal: true));
        error.Error.Code.Should().Be(ErrorCode.FencedInstanceId);
        error.Error.IsFatal.Should().BeTrue();
        error.Message.Should().Contain("Kafka source 'orders-a'").And.Contain("group 'card-totals'").And.Contain("same group.instance.id");
    }

    [Fact]
    public async Task AnInitialisationGivenUp_IsWaitedFor_ByTheNextOfTheSameTransactionalId_Only()
    {
        var call = new TaskCompletionSource();
        AbandonedInits.Add("job-a-0", call.Task);
        var same = AbandonedInits.WaitAsync("job-a-0", CancellationToken.None);
        AbandonedInits.WaitAsync("job-b-0", CancellationToken.None).IsCompleted.Should().BeTrue("another id does not wait");
        same.IsCompleted.Should().BeFalse("the given-up call of the same id still runs");

        call.SetException(new KafkaException(ErrorCode.Local_TimedOut));
        await same.WaitAsync(TimeSpan.FromSeconds(10));
        AbandonedInits.WaitAsync("job-a-0", CancellationToken.None).IsCompleted.Should().BeTrue("the call returned, failed or not");
    }

    [Fact]
    public void JsonSerde_RoundTrips_AndMapsNullToATombstone()
    {
        var serde = new JsonSerde<Order>();
        var context = new SerializationContext(MessageComponentType.Value, "t");
        byte[] bytes = serde.Serialize(new Order("o1", 12.5m), context);

        Encoding.UTF8.GetString(bytes).Should().Be("{\"id\":\"o1\",\"amount\":12.5}");
        serde.Deserialize(bytes, isNull: false, context).Should().Be(new Order("o1", 12.5m));
        serde.Serialize(null!, context).Should().BeNull();
        serde.Deserialize(ReadOnlySpan<byte>.Empty, isNull: true, context).Should().BeNull();
    }

    [Fact]
    public void DeserializationException_NamesTopicPartitionOffsetAndPart()
    {
        var ex = new KafkaDeserializationException("orders", 3, 42, MessageComponentType.Value, new FormatException("bad"));
        ex.Message.Should().Contain("value").And.Contain("topic 'orders' partition 3 offset 42").And.Contain("bad");
    }
}
