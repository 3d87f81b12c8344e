using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// A repartition writer whose brokers take nothing (here: none listening) fills its producer's queue. Its waits for
/// room end: the heartbeat does not wait at all, a write ends when the run is cancelled or a delivery fails.
/// </summary>
public class RepartitionWriterBackpressureTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A writer of two partitions whose queue holds two records: its first watermarks fill it.</summary>
    private RepartitionSinkWriter<int, int> Writer(CancellationToken run, int? messageTimeoutMs = null)
    {
        var options = new KafkaRepartitionOptions
        {
            BootstrapServers = "127.0.0.1:1",
            GroupId = "g",
            Topic = "exchange",
            Partitions = 2,
            TimeProvider = _clock,
            ProducerConfig = new ProducerConfig { QueueBufferingMaxMessages = 2, MessageTimeoutMs = messageTimeoutMs },
        };
        var exchange = new KafkaRepartition<int, int>(x => x, options, StateSerializers.Json<int>(), StateSerializers.Json<int>());
        new PipelineBuilder("backpressure").From(Sources.Enumerable([1])).Through(exchange);
        return new RepartitionSinkWriter<int, int>(exchange.Topic!, 2, x => x, StateSerializers.Json<int>(), StateSerializers.Json<int>(), eventTime: true, run);
    }

    [Fact]
    public async Task AWriteWaitingForRoom_EndsWhenTheRunIsCancelled_AndTheHeartbeatNeverWaits()
    {
        using var run = new CancellationTokenSource();
        var writer = Writer(run.Token);
        var write = Task.Run(() => writer.Write([1, 2, 3], [T0, T0, T0]));

        // The heartbeat's timer fires on this thread: it must not wait for room the brokers never make.
        await Task.Run(() => _clock.Advance(TimeSpan.FromSeconds(30))).WaitAsync(Deadline);
        write.IsCompleted.Should().BeFalse("the write waits for room: that is its backpressure");

        run.Cancel();
        await write.Invoking(w => w.WaitAsync(Deadline)).Should().ThrowAsync<OperationCanceledException>();
        await writer.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task AWriteWaitingForRoom_FailsWhenRecordsExpireUndelivered_NamingTheTopic()
    {
        // librdkafka expires what the brokers did not take within message.timeout.ms: the write fails then, instead of
        // filling the room the expired records left and returning as if its elements were on their way.
        var writer = Writer(CancellationToken.None, messageTimeoutMs: 300);
        try
        {
            var write = Task.Run(() => writer.Write([.. Enumerable.Range(0, 10)], [.. Enumerable.Repeat(T0, 10)]));
            (await write.Invoking(w => w.WaitAsync(Deadline)).Should().ThrowAsync<KafkaException>())
                .WithMessage("*repartition topic 'exchange'*timed out*");
        }
        finally
        {
            await writer.DisposeAsync().AsTask().WaitAsync(Deadline);
        }
    }
}
