using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>The producer sink: delivery failures fail the run, user-function failures follow the error policy.</summary>
public class SinkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task DeliveryFailure_FailsTheRun_NamingTheSinkAndTopic()
    {
        // Nothing listens on port 1 of the loopback address: every delivery times out after message.timeout.ms.
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 10)))
            .ToKafka(
                new KafkaSinkOptions<string, int>
                {
                    BootstrapServers = "127.0.0.1:1",
                    Topic = "unreachable-out",
                    ProducerConfig = new ProducerConfig { MessageTimeoutMs = 1000, SocketConnectionSetupTimeoutMs = 1000 },
                },
                key: i => $"k{i}",
                value: i => i);

        var act = () => new BoundedExecutor().RunAsync(p.Build()).WaitAsync(Deadline);

        var thrown = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        thrown.Message.Should().Contain("Sink 'kafka:unreachable-out'").And.Contain("topic 'unreachable-out'");
        thrown.Operator.Should().Be("kafka:unreachable-out");
        thrown.InnerException.Should().BeOfType<KafkaException>().Which.Error.Code.Should().Be(ErrorCode.Local_MsgTimedOut);
    }

    [Fact]
    public async Task SelectorThrows_UnderSkip_OnlyThatResultIsSkipped_AndCounted()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(output);
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Enumerable.Range(0, 50)))
            .ToKafka(
                new KafkaSinkOptions<string, string> { BootstrapServers = cluster.BootstrapServers, Topic = output },
                key: i => i == 7 ? throw new InvalidOperationException("no key for 7") : $"k{i % 5}",
                value: i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build()).WaitAsync(Deadline);
        var written = await Task.Run(() => cluster.ReadAtLeast(output, 49, Deadline));

        summary.ElementsSkipped.Should().Be(1);
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(Enumerable.Range(0, 50).Where(i => i != 7).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        cluster.EndOffsets(output).Values.Sum().Should().Be(49, "nothing else was written");
    }

    [Fact]
    public async Task ARecordLargerThanTheProducerTakes_UnderSkip_IsSkipped_AndTheOthersWritten()
    {
        // It failed the run ("Producing to topic … failed: Message size too large"), naming no element.
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(output);
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Enumerable.Range(0, 20)))
            .ToKafka(
                new KafkaSinkOptions<string, string> { BootstrapServers = cluster.BootstrapServers, Topic = output, ProducerConfig = new ProducerConfig { MessageMaxBytes = 2000 } },
                key: i => $"k{i}",
                value: i => i == 7 ? new string('x', 10_000) : i.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var summary = await new BoundedExecutor().RunAsync(p.Build()).WaitAsync(Deadline);
        var written = await Task.Run(() => cluster.ReadAtLeast(output, 19, Deadline));

        summary.ElementsSkipped.Should().Be(1);
        written.Select(r => r.Message.Value).Should().BeEquivalentTo(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ARecordLargerThanTheProducerTakes_UnderFail_NamesTheElementAndTheSetting()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(output);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 }))
            .ToKafka(
                new KafkaSinkOptions<string, string> { BootstrapServers = cluster.BootstrapServers, Topic = output, ProducerConfig = new ProducerConfig { MessageMaxBytes = 2000 } },
                key: i => "k",
                value: i => new string('x', i * 5_000));

        var act = () => new BoundedExecutor().RunAsync(p.Build()).WaitAsync(Deadline);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*'1'*message.max.bytes*");
    }

    [Fact]
    public async Task SerializerThrows_UnderFail_NamesTheElement()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string output = KafkaTestCluster.UniqueName("out");
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 }))
            .ToKafka(
                new KafkaSinkOptions<string, int> { BootstrapServers = cluster.BootstrapServers, Topic = output, ValueSerializer = new ThrowingOn2() },
                key: i => "k",
                value: i => i);

        var act = () => new BoundedExecutor().RunAsync(p.Build()).WaitAsync(Deadline);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*'2'*cannot serialize 2*");
    }

    private sealed class ThrowingOn2 : ISerializer<int>
    {
        public byte[] Serialize(int data, SerializationContext context) =>
            data == 2 ? throw new FormatException("cannot serialize 2") : BitConverter.GetBytes(data);
    }
}
