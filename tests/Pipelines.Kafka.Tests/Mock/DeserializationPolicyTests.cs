using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>Records whose value is not valid JSON, under each <see cref="KafkaSourceOptions{TKey, TValue}.OnDeserializationError"/> policy.</summary>
public class DeserializationPolicyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private sealed record Reading(string Sensor, double Value);

    private static List<TestRecord> Input() =>
    [
        .. Enumerable.Range(0, 30).Select(i => new TestRecord($"s{i % 3}", JsonSerializer.Serialize(new Reading($"s{i % 3}", i), JsonSerializerOptions.Web), Partition: i % 2)),
        new TestRecord("s0", "{not json", Partition: 0),
        new TestRecord("s1", "42-", Partition: 1),
        .. Enumerable.Range(30, 10).Select(i => new TestRecord($"s{i % 3}", JsonSerializer.Serialize(new Reading($"s{i % 3}", i), JsonSerializerOptions.Web), Partition: i % 2)),
    ];

    private static (KafkaSource<string, Reading> Source, PipelineRun Run, ConcurrentQueue<Reading> Seen) Start(
        KafkaTestCluster cluster, string topic, string group, ErrorPolicy policy, string? deadLetterTopic = null)
    {
        var source = new KafkaSource<string, Reading>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ValueDeserializer = new JsonSerde<Reading>(),
            OnDeserializationError = policy,
            DeadLetterTopic = deadLetterTopic,
            ConsumerConfig = cluster.GroupConsumerConfig,
        });
        var seen = new ConcurrentQueue<Reading>();
        var p = new PipelineBuilder();
        p.From(source).Select(r => r.Value).To(Sinks.Action<Reading>(seen.Enqueue));
        return (source, new StreamingExecutor().Start(p.Build()), seen);
    }

    [Fact]
    public async Task Fail_FailsTheRun_NamingTopicPartitionAndOffset_AndCommitsNothing()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Input());

        var (_, run, _) = Start(cluster, topic, group, ErrorPolicy.Fail);
        var act = () => run.Completion.WaitAsync(Deadline);

        var thrown = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        var cause = thrown.InnerException.Should().BeOfType<KafkaDeserializationException>().Which;
        cause.Topic.Should().Be(topic);
        cause.Component.Should().Be(MessageComponentType.Value);
        (cause.Partition, cause.Offset).Should().BeOneOf((0, 15L), (1, 15L));
        thrown.Message.Should().Contain($"topic '{topic}' partition {cause.Partition} offset 15").And.Contain("JsonException");
        cluster.CommittedOffsets(group, topic).Should().BeEmpty();
    }

    [Fact]
    public async Task Skip_SkipsAndCountsTheBadRecords_ProcessesTheRest_AndCommitsPastThem()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Input());

        var (source, run, seen) = Start(cluster, topic, group, ErrorPolicy.Skip);
        await Eventually.True(() => seen.Count == 40 && source.RecordsSkipped == 2, Deadline, "the good records and both skips");
        await run.StopAsync().WaitAsync(Deadline);

        seen.Select(r => r.Value).Should().BeEquivalentTo(Enumerable.Range(0, 40).Select(i => (double)i));
        source.RecordsSkipped.Should().Be(2);
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }

    [Fact]
    public async Task DeadLetter_CopiesTheRawRecordsWithWhereAndWhy_ProcessesTheRest_AndCommitsPastThem()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), dlq = KafkaTestCluster.UniqueName("readings-dlq"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.CreateTopicAsync(dlq);
        await cluster.ProduceAsync(topic, Input());

        var (source, run, seen) = Start(cluster, topic, group, ErrorPolicy.DeadLetter, dlq);
        await Eventually.True(() => seen.Count == 40 && source.RecordsDeadLettered == 2, Deadline, "the good records and both dead letters");
        await run.StopAsync().WaitAsync(Deadline);
        var copies = await Task.Run(() => cluster.ReadAtLeast(dlq, 2, Deadline));

        seen.Should().HaveCount(40);
        copies.Select(c => (c.Message.Key, c.Message.Value)).Should().BeEquivalentTo([("s0", "{not json"), ("s1", "42-")]);
        foreach (var copy in copies)
        {
            string Header(string key) => Encoding.UTF8.GetString(copy.Message.Headers.GetLastBytes(key));
            Header(KafkaDeadLetterHeaders.Topic).Should().Be(topic);
            Header(KafkaDeadLetterHeaders.Offset).Should().Be("15");
            Header(KafkaDeadLetterHeaders.Partition).Should().Be(copy.Message.Key == "s0" ? "0" : "1");
            Header(KafkaDeadLetterHeaders.Component).Should().Be("value");
            Header(KafkaDeadLetterHeaders.Error).Should().StartWith("JsonException");
        }

        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }

    [Fact]
    public async Task DeadLetter_CopyThatCannotBeDelivered_FailsTheRun_AndCommitsNothing()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Input());
        var p = new PipelineBuilder();
        p.From(new KafkaSource<string, Reading>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ValueDeserializer = new JsonSerde<Reading>(),
            OnDeserializationError = ErrorPolicy.DeadLetter,
            DeadLetterTopic = "unreachable-dlq",

            // Nothing listens on port 1 of the loopback address: the copies time out after a second.
            DeadLetterProducerConfig = new ProducerConfig { BootstrapServers = "127.0.0.1:1", MessageTimeoutMs = 1000 },
            ConsumerConfig = cluster.GroupConsumerConfig,
        })).To(Sinks.Action<KafkaRecord<string, Reading>>(_ => { }));

        var act = () => new StreamingExecutor().RunAsync(p.Build()).WaitAsync(Deadline);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*dead-letter topic 'unreachable-dlq'*");
        cluster.CommittedOffsets(group, topic).Should().BeEmpty("no offset is committed unless its dead-letter copy is durable");
    }

    [Fact]
    public async Task BadKey_UnderFail_SaysTheKeyFailed()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("keys");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, [new TestRecord("\"not a number\"", "v", Partition: 0)]);
        var p = new PipelineBuilder();
        p.From(new KafkaSource<int, string>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = KafkaTestCluster.UniqueName("g"),
            Topics = [topic],
            KeyDeserializer = new JsonSerde<int>(),
            ConsumerConfig = cluster.GroupConsumerConfig,
        })).To(Sinks.Action<KafkaRecord<int, string>>(_ => { }));

        var act = () => new StreamingExecutor().RunAsync(p.Build()).WaitAsync(Deadline);

        (await act.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage($"*key of the record at topic '{topic}' partition 0 offset 0*")
            .Which.InnerException.Should().BeOfType<KafkaDeserializationException>().Which.Component.Should().Be(MessageComponentType.Key);
    }
}
