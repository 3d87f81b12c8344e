using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

public class ScanAndDistinctTests
{
    private static readonly Ev[] Events =
    [
        Ev.At("a", 0, 1), Ev.At("b", 1, 10), Ev.At("a", 2, 2), Ev.At("a", 40, 3), Ev.At("b", 41, 20), Ev.At("a", 45, 4), Ev.At("a", 100, 5),
    ];

    private static async Task<List<TOut>> RunAsync<TOut>(Func<KeyedStream<Ev, string>, DataStream<TOut>> define, bool streaming)
    {
        var results = new List<TOut>();
        var p = new PipelineBuilder();
        define(p.Events(Events).KeyBy(e => e.Key)).To(Sinks.Collection(results));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 2 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scan_EmitsEachKeysRunningAggregate(bool streaming)
    {
        var results = await RunAsync(k => k.Scan((Key: "", Sum: 0), (acc, e) => (e.Key, acc.Sum + e.Value)), streaming);

        results.Where(r => r.Key == "a").Select(r => r.Sum).Should().Equal(1, 3, 6, 10, 15);
        results.Where(r => r.Key == "b").Select(r => r.Sum).Should().Equal(10, 30);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Distinct_PassesTheFirstOfEachKey(bool streaming)
    {
        var results = await RunAsync(k => k.Distinct(), streaming);
        results.Should().BeEquivalentTo([Ev.At("a", 0, 1), Ev.At("b", 1, 10)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DistinctWithin_PassesAKeyAgainOnceTheHorizonHasPassed(bool streaming)
    {
        var results = await RunAsync(k => k.Distinct(TimeSpan.FromSeconds(30)), streaming);
        results.Should().BeEquivalentTo([Ev.At("a", 0, 1), Ev.At("b", 1, 10), Ev.At("a", 40, 3), Ev.At("b", 41, 20), Ev.At("a", 100, 5)]);
    }

    [Fact]
    public void DistinctWithin_NeedsEventTimeAndAPositiveHorizon()
    {
        var p = new PipelineBuilder();
        var keyed = p.From(Sources.Enumerable(Events)).KeyBy(e => e.Key);
        var noTime = () => keyed.Distinct(TimeSpan.FromSeconds(1));
        noTime.Should().Throw<InvalidOperationException>().WithMessage("*Distinct(within)*needs event time*");
        var zero = () => p.Events(Events).KeyBy(e => e.Key).Distinct(TimeSpan.Zero);
        zero.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("within");
    }

    [Fact]
    public async Task Scan_AndDistinct_AreNamedAfterTheirVerb_InErrors()
    {
        var p = new PipelineBuilder();
        p.Events(Events).KeyBy(e => e.Key).Scan(0, (acc, e) => e.Value == 4 ? throw new InvalidOperationException("four") : acc + e.Value).To(Sinks.Action<int>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("Scan#");
    }
}
