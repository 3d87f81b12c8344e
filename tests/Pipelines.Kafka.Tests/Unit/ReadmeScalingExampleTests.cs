namespace Pipelines.Kafka.Tests.Unit;

/// <summary>The README's repartition example, line for line (the README coverage test checks that): it builds, and names the topic the README says.</summary>
public class ReadmeScalingExampleTests
{
    private sealed record Payment(string Id, string Card, decimal Amount);

    [Fact]
    public void ReadmeScalingExample_Builds_WithTheRepartitionTopicItNames()
    {
        #region README: kafka scaling
        var payments = new KafkaSource<string, Payment>(new()
        {
            BootstrapServers = "broker:9092",
            GroupId = "card-totals",                            // the same in every instance
            Topics = ["payments"],                              // keyed by payment id, not by card
            ValueDeserializer = new JsonSerde<Payment>(),
        });
        var p = new PipelineBuilder("card-totals");
        p.From(payments)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.FromSeconds(5), idleTimeout: TimeSpan.FromSeconds(30)))
            .Select(r => r.Value)
            .Repartition(x => x.Card)                           // a KeyedStream: through topic card-totals-card-totals-exchange0-repartition
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(x => x.Amount)
            .To(Sinks.Action<WindowResult<string, decimal>>(w => Console.WriteLine(w)));
        var pipeline = p.Build();                               // run it in up to as many processes as that topic has partitions
        #endregion

        pipeline.IsBounded.Should().BeFalse();

        // The names the comment gives: the same exchange on the same source, in a pipeline of the same name.
        var exchange = new KafkaRepartition<Payment, string>(x => x.Card, new KafkaRepartitionOptions(), StateSerializers.Json<Payment>(), StateSerializers.Json<string>());
        var again = new PipelineBuilder("card-totals");
        again.From(payments).Select(r => r.Value).Through(exchange).To(Sinks.Action<Payment>(_ => { }));
        exchange.Topic!.Name.Should().Be("card-totals-card-totals-exchange0-repartition");
        exchange.Topic.GroupId.Should().Be("card-totals-exchange0");
        exchange.Topic.BootstrapServers.Should().Be("broker:9092");
    }
}
