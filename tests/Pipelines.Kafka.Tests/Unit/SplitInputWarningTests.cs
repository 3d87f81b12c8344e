using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// A keyed stage on a Kafka source, without a repartition topic, is warned about when the run starts; so is a join of
/// two streams repartitioned through two topics, whose partitions the instances share out independently.
/// </summary>
public class SplitInputWarningTests
{
    private static KafkaSource<string, string> Source(bool partitionedByKey = false) => new(new()
    {
        BootstrapServers = "127.0.0.1:1",
        GroupId = "g",
        Topics = ["payments"],
        PartitionedByKey = partitionedByKey,
    });

    private static async Task<List<string>> WarningsOfARun(Action<PipelineBuilder> define)
    {
        var lines = new ConcurrentQueue<string>();
        var p = new PipelineBuilder("totals");
        define(p);
        var run = new StreamingExecutor(new StreamingOptions { Logger = new MemoryLogger("run", lines) }).Start(p.Build());
        await Eventually.True(() => lines.Any(l => l.Contains("started", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the run to start");
        await run.StopAsync(drain: false).WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { });
        return lines.Where(l => l.Contains("Warning", StringComparison.Ordinal) && l.Contains("keyed operator", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public async Task KeyByOnAKafkaSource_WithoutRepartition_IsWarnedAbout_NamingTheOperatorAndTheSource()
    {
        var warnings = await WarningsOfARun(p => p.From(Source())
            .WithEventTime(r => r.Timestamp, Watermarks.Monotonic())
            .Select(r => (Card: r.Value, Amount: 1L))
            .KeyBy(x => x.Card)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .Named("per card")
            .To(Sinks.Action<WindowResult<string, long>>(_ => { })));

        warnings.Should().ContainSingle().Which.Should().Contain("kafka:payments").And.Contain("Repartition");
    }

    [Fact]
    public async Task ASourcePartitionedByKey_OrARepartitionBeforeTheKeyedStage_IsNotWarnedAbout()
    {
        (await WarningsOfARun(p => p.From(Source(partitionedByKey: true))
            .KeyBy(r => r.Key)
            .Scan(0L, (n, _) => n + 1)
            .To(Sinks.Action<long>(_ => { })))).Should().BeEmpty();

        (await WarningsOfARun(p => p.From(Source())
            .Select(r => r.Value)
            .Repartition(v => v, new KafkaRepartitionOptions { Partitions = 2, TopicCreationTimeout = TimeSpan.FromMilliseconds(100) })
            .Scan(0L, (n, _) => n + 1)
            .To(Sinks.Action<long>(_ => { })))).Should().BeEmpty();
    }

    private static KafkaSource<string, string> Refunds() => new(new()
    {
        BootstrapServers = "127.0.0.1:1",
        GroupId = "r",
        Topics = ["refunds"],
    });

    private static KafkaRepartitionOptions Exchange => new() { Partitions = 2, TopicCreationTimeout = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task AJoinOfTwoSeparatelyRepartitionedStreams_IsWarnedAbout_NamingTheJoinAndBothExchanges()
    {
        var warnings = await WarningsOfARun(p =>
        {
            var payments = p.From(Source()).WithEventTime(r => r.Timestamp, Watermarks.Monotonic()).Repartition(r => r.Value, Exchange);
            var refunds = p.From(Refunds()).WithEventTime(r => r.Timestamp, Watermarks.Monotonic()).Repartition(r => r.Value, Exchange);
            payments.Join(refunds, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => a.Key + b.Key).Named("matched").To(Sinks.Action<string>(_ => { }));
        });

        warnings.Should().ContainSingle().Which.Should().Contain("matched").And.Contain("exchange0").And.Contain("exchange1").And.Contain("one Repartition");
    }

    [Fact]
    public async Task AJoinOfTwoStreamsRepartitionedTogether_IsNotWarnedAbout()
    {
        (await WarningsOfARun(p =>
        {
            var (payments, refunds) = p.From(Source()).WithEventTime(r => r.Timestamp, Watermarks.Monotonic())
                .Repartition(r => r.Value, p.From(Refunds()).WithEventTime(r => r.Timestamp, Watermarks.Monotonic()), r => r.Value, Exchange);
            payments.Join(refunds, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => a.Key + b.Key).Named("matched").To(Sinks.Action<string>(_ => { }));
        })).Should().BeEmpty();
    }
}
