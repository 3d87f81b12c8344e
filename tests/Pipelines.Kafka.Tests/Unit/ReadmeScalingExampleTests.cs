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
        pipeline.ToString().Should().Contain("repartition:card-totals-card-totals-exchange0-repartition");
    }
}
