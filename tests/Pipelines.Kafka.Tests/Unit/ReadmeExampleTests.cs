namespace Pipelines.Kafka.Tests.Unit;

/// <summary>The README's Kafka example, kept compiling and valid (built, not run: it names a broker that is not there).</summary>
public class ReadmeExampleTests
{
    private sealed record Order(string Id, decimal Amount);

    [Fact]
    public void ReadmeExample_Builds()
    {
        var orders = new KafkaSource<string, Order>(new()
        {
            BootstrapServers = "broker:9092",
            GroupId = "order-totals",
            Topics = ["orders"],
            ValueDeserializer = new JsonSerde<Order>(),
            OnDeserializationError = ErrorPolicy.DeadLetter,
            DeadLetterTopic = "orders-dlq",
        });
        var p = new PipelineBuilder();
        p.From(orders)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(5), idleTimeout: TimeSpan.FromSeconds(30)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(r => r.Value.Amount)
            .ToKafka(
                new KafkaSinkOptions<string, decimal> { BootstrapServers = "broker:9092", Topic = "order-totals", ValueSerializer = new JsonSerde<decimal>() },
                key: w => w.Key,
                value: w => w.Value,
                timestamp: w => w.Window.End);

        var pipeline = p.Build();

        pipeline.Should().NotBeNull();
        orders.Name.Should().Be("kafka:orders");
    }
}
