using Pipelines.Kafka;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// The README's Kafka example, line for line (the README coverage test checks that), compiled and its pipeline
/// built and validated, not run: it names a broker that is not there. <see cref="StreamingExecutor"/> below stands
/// in for the real executor inside this class, so the snippet's <c>Start</c> hands over the built pipeline.
/// </summary>
public class ReadmeExampleTests
{
    private sealed record Order(string Id, decimal Amount);

    [Fact]
    public void ReadmeExample_Builds()
    {
        #region README: kafka
        var orders = new KafkaSource<string, Order>(new()
        {
            BootstrapServers = "broker:9092",
            GroupId = "order-totals",                           // every instance with this group id shares the partitions
            Topics = ["orders"],
            ValueDeserializer = new JsonSerde<Order>(),         // string, byte[], int, long, … need none; or your IDeserializer<T>
            OnDeserializationError = ErrorPolicy.DeadLetter,    // or Skip, or Fail; none set: the pipeline's OnError
            DeadLetterTopic = "orders-dlq",                     // also copied here byte for byte (optional)
        });
        var p = new PipelineBuilder()                           // DeadLetter needs the pipeline's dead-letter sink: bad records
            .WithDeadLetterSink(Sinks.Action<DeadLetter>(d => Console.Error.WriteLine(d)));   // arrive as MalformedKafkaRecord
        p.From(orders)                                          // DataStream<KafkaRecord<string, Order>>
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(5), idleTimeout: TimeSpan.FromSeconds(30)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(r => r.Value.Amount)
            .ToKafka(new KafkaSinkOptions<string, decimal> { BootstrapServers = "broker:9092", Topic = "order-totals",
                                                              ValueSerializer = new JsonSerde<decimal>() },
                     key: w => w.Key, value: w => w.Value, timestamp: w => w.Window.End);
        var run = new StreamingExecutor().Start(p.Build());
        // offsets are committed every 5 s (StreamingOptions.CheckpointInterval) once the results they lead to are written
        // … on shutdown: await run.StopAsync();              // drains, flushes the producer, commits the rest, leaves the group
        #endregion

        run.IsBounded.Should().BeFalse();
        orders.Name.Should().Be("kafka:orders");
    }

    [Fact]
    public void ReadmeExactlyOnceExample_Builds()
    {
        #region README: kafka exactly-once
        var source = new KafkaSource<string, Order>(new() { BootstrapServers = "broker:9092", GroupId = "order-totals",
                                                            Topics = ["orders"], ValueDeserializer = new JsonSerde<Order>() });
        var p = new PipelineBuilder("order-totals");
        p.From(source)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(5), idleTimeout: TimeSpan.FromSeconds(30)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(r => r.Value.Amount)
            .ToKafka(new KafkaSinkOptions<string, decimal>
            {
                BootstrapServers = "broker:9092", Topic = "order-totals", ValueSerializer = new JsonSerde<decimal>(),
                Guarantee = DeliveryGuarantee.ExactlyOnce,   // one transaction per checkpoint, committed once it is stored
                TransactionalIdPrefix = "order-totals",      // the same in every run of this job, unique on the cluster
                InstanceId = "0",                            // one per instance when several run at once
                SendOffsetsOf = source,                      // the group's offsets commit inside the same transactions
            }, key: w => w.Key, value: w => w.Value);
        var run = new StreamingExecutor(new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory("state/order-totals") })
            .Start(p.Build());                               // read the topic with isolation.level=read_committed
        #endregion

        run.IsBounded.Should().BeFalse();
        source.Name.Should().Be("kafka:orders");
    }

    /// <summary>Takes the pipeline the snippet starts, without starting it.</summary>
    private sealed class StreamingExecutor(StreamingOptions? options = null)
    {
        public StreamingOptions? Options { get; } = options;

        public Pipeline Start(Pipeline pipeline) => pipeline;
    }
}
