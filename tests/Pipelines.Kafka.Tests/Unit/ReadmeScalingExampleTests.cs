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

    private sealed record Refund(string Id, string Card, decimal Amount);

    private sealed record Match(Payment Payment, Refund Refund);

    [Fact]
    public void ReadmeCoPartitionedJoinExample_Builds_OneRepartitionTopicForBothStreams()
    {
        var p = new PipelineBuilder("card-refunds");
        KafkaSource<string, T> Source<T>(string topic) => new(new()
        {
            BootstrapServers = "broker:9092",
            GroupId = "card-refunds",
            Topics = [topic],
            ValueDeserializer = new JsonSerde<T>(),
        });
        var paymentStream = p.From(Source<Payment>("payments")).WithEventTime(r => r.Timestamp, Watermarks.Monotonic()).Select(r => r.Value);
        var refundStream = p.From(Source<Refund>("refunds")).WithEventTime(r => r.Timestamp, Watermarks.Monotonic()).Select(r => r.Value);

        #region README: kafka co-partitioned join
        var (payments, refunds) = paymentStream.Repartition(p => p.Card, refundStream, r => r.Card);
        payments.Join(refunds, Windows.Tumbling(TimeSpan.FromMinutes(1)), (p, r) => new Match(p, r));
        #endregion

        var matches = new List<Match>();
        payments.Join(refunds, Windows.Tumbling(TimeSpan.FromMinutes(1)), (p, r) => new Match(p, r)).To(Sinks.Collection(matches));
        var pipeline = p.Build();
        pipeline.IsBounded.Should().BeFalse();
        var lines = pipeline.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Two Kafka sources, one repartition topic (its sink takes the union of both streams, its source feeds both sides of the join).
        lines.Count(l => l.StartsWith("Source#", StringComparison.Ordinal)).Should().Be(3);
        lines.Count(l => l.StartsWith("Sink#", StringComparison.Ordinal)).Should().Be(2);
        lines.Should().Contain(l => l.StartsWith("Sink#", StringComparison.Ordinal) && l.Contains("<- Union#", StringComparison.Ordinal));
    }
}
