using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// Records whose value is not valid JSON go to the run like every connector's bad records: under the source's
/// policy (<see cref="KafkaSourceOptions{TKey, TValue}.OnDeserializationError"/>, else the stream's or the
/// pipeline's), counted in <see cref="RunSummary"/> and the <c>Pipelines</c> meter, dead letters in the
/// pipeline's dead-letter sink (and, when set, byte for byte in the dead-letter topic).
/// </summary>
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

    private sealed class Run(KafkaSource<string, Reading> source)
    {
        public KafkaSource<string, Reading> Source { get; } = source;

        public PipelineRun Handle { get; set; } = null!;

        public ConcurrentQueue<Reading> Seen { get; } = new();

        public ConcurrentQueue<DeadLetter> DeadLetters { get; } = new();
    }

    /// <summary>
    /// Starts a pipeline over the topic. <paramref name="sourcePolicy"/> is the Kafka option, <paramref name="streamPolicy"/>
    /// the stream's <c>OnError</c>, <paramref name="pipelinePolicy"/> the pipeline's; a dead-letter sink is always there.
    /// </summary>
    private static Run Start(
        KafkaTestCluster cluster,
        string topic,
        string group,
        ErrorPolicy? sourcePolicy,
        string? deadLetterTopic = null,
        ErrorPolicy? streamPolicy = null,
        ErrorPolicy pipelinePolicy = ErrorPolicy.Fail,
        string pipeline = "pipeline")
    {
        var run = new Run(new KafkaSource<string, Reading>(new()
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            Topics = [topic],
            ValueDeserializer = new JsonSerde<Reading>(),
            OnDeserializationError = sourcePolicy,
            DeadLetterTopic = deadLetterTopic,
            ConsumerConfig = cluster.GroupConsumerConfig,
        }));
        var p = new PipelineBuilder(pipeline).OnError(pipelinePolicy).WithDeadLetterSink(Sinks.Action<DeadLetter>(run.DeadLetters.Enqueue));
        var stream = p.From(run.Source);
        if (streamPolicy is { } policy) stream = stream.OnError(policy);
        stream.Select(r => r.Value).To(Sinks.Action<Reading>(run.Seen.Enqueue));
        run.Handle = new StreamingExecutor().Start(p.Build());
        return run;
    }

    private static async Task<(KafkaTestCluster Cluster, string Topic, string Group)> InputTopicAsync()
    {
        var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Input());
        return (cluster, topic, group);
    }

    [Fact]
    public async Task Fail_FailsTheRun_NamingTheSourceTopicPartitionAndOffset_AndCommitsNothing()
    {
        var (cluster, topic, group) = await InputTopicAsync();
        using var _ = cluster;

        var run = Start(cluster, topic, group, ErrorPolicy.Fail);
        var act = () => run.Handle.Completion.WaitAsync(Deadline);

        var thrown = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        var cause = thrown.InnerException.Should().BeOfType<KafkaDeserializationException>().Which;
        cause.Topic.Should().Be(topic);
        cause.Component.Should().Be(MessageComponentType.Value);
        (cause.Partition, cause.Offset).Should().BeOneOf((0, 15L), (1, 15L));
        thrown.Operator.Should().Contain(run.Source.Name);
        var record = thrown.Element.Should().BeOfType<MalformedKafkaRecord>().Which;
        (record.Topic, record.Partition, record.Offset).Should().Be((topic, cause.Partition, 15L));
        Encoding.UTF8.GetString(record.Value!).Should().Be(cause.Partition == 0 ? "{not json" : "42-");
        thrown.Message.Should().Contain($"topic '{topic}' partition {cause.Partition} offset 15").And.Contain("JsonException")
            .And.Contain("The source could not read this record");
        cluster.CommittedOffsets(group, topic).Should().BeEmpty();
    }

    [Fact]
    public async Task Skip_SkipsTheBadRecords_CountsThemInTheRunSummaryAndTheMeter_ProcessesTheRest_AndCommitsPastThem()
    {
        var (cluster, topic, group) = await InputTopicAsync();
        using var _ = cluster;
        string pipeline = KafkaTestCluster.UniqueName("skip");
        long metered = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Pipelines" && instrument.Name == "pipelines.elements.skipped") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "pipeline" && Equals(tag.Value, pipeline)) Interlocked.Add(ref metered, value);
            }
        });
        listener.Start();

        var run = Start(cluster, topic, group, ErrorPolicy.Skip, pipeline: pipeline);
        await Eventually.True(() => run.Seen.Count == 40 && run.Source.RecordsSkipped == 2, Deadline, "the good records and both skips");
        var summary = await run.Handle.StopAsync().WaitAsync(Deadline);

        run.Seen.Select(r => r.Value).Should().BeEquivalentTo(Enumerable.Range(0, 40).Select(i => (double)i));
        summary.ElementsSkipped.Should().Be(2);
        summary.ElementsDeadLettered.Should().Be(0);
        Interlocked.Read(ref metered).Should().Be(2, "the run's skipped-elements counter counts the source's skips");
        run.DeadLetters.Should().BeEmpty();
        run.Source.RecordsSkipped.Should().Be(2);
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }

    [Fact]
    public async Task DeadLetter_SendsTheRawRecordsToTheDeadLetterSink_AndCopiesThemWithWhereAndWhyToTheTopic_AndCommitsPastThem()
    {
        var (cluster, topic, group) = await InputTopicAsync();
        using var _ = cluster;
        string dlq = KafkaTestCluster.UniqueName("readings-dlq");
        await cluster.CreateTopicAsync(dlq);

        var run = Start(cluster, topic, group, ErrorPolicy.DeadLetter, dlq);
        await Eventually.True(() => run.Seen.Count == 40 && run.Source.RecordsDeadLettered == 2, Deadline, "the good records and both dead letters");
        var summary = await run.Handle.StopAsync().WaitAsync(Deadline);
        var copies = await Task.Run(() => cluster.ReadAtLeast(dlq, 2, Deadline));

        run.Seen.Should().HaveCount(40);
        summary.ElementsDeadLettered.Should().Be(2);
        summary.ElementsSkipped.Should().Be(0);
        run.DeadLetters.Should().HaveCount(2).And.OnlyContain(d => d.Operator.Contains(run.Source.Name) && d.Exception is KafkaDeserializationException);
        run.DeadLetters.Select(d => (MalformedKafkaRecord)d.Element!)
            .Select(r => (r.Topic, r.Partition, r.Offset, Key: Encoding.UTF8.GetString(r.Key!), Value: Encoding.UTF8.GetString(r.Value!), r.Component))
            .Should().BeEquivalentTo([(topic, 0, 15L, "s0", "{not json", MessageComponentType.Value), (topic, 1, 15L, "s1", "42-", MessageComponentType.Value)]);

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
    public async Task PipelinePolicy_AppliesWhenTheSourceSetsNone_WithoutADeadLetterTopic()
    {
        var (cluster, topic, group) = await InputTopicAsync();
        using var _ = cluster;

        var run = Start(cluster, topic, group, sourcePolicy: null, pipelinePolicy: ErrorPolicy.DeadLetter);
        await Eventually.True(() => run.Seen.Count == 40 && run.DeadLetters.Count == 2, Deadline, "the good records and both dead letters");
        var summary = await run.Handle.StopAsync().WaitAsync(Deadline);

        summary.ElementsDeadLettered.Should().Be(2);
        run.DeadLetters.Select(d => ((MalformedKafkaRecord)d.Element!).ToString()).Should().BeEquivalentTo(["{not json", "42-"]);
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic));
    }

    [Fact]
    public async Task StreamPolicy_OverridesTheSourceOption()
    {
        var (cluster, topic, group) = await InputTopicAsync();
        using var _ = cluster;

        var run = Start(cluster, topic, group, sourcePolicy: ErrorPolicy.Fail, streamPolicy: ErrorPolicy.Skip);
        await Eventually.True(() => run.Seen.Count == 40 && run.Source.RecordsSkipped == 2, Deadline, "the good records and both skips");
        var summary = await run.Handle.StopAsync().WaitAsync(Deadline);

        summary.ElementsSkipped.Should().Be(2);
    }

    [Fact]
    public async Task DeadLetter_CopyThatCannotBeDelivered_FailsTheRun_AndCommitsNothing()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("readings"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        await cluster.ProduceAsync(topic, Input());
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Action<DeadLetter>(_ => { }));
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
