using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Bounded;

public class FanOutTests
{
    private static readonly int[] Input = Enumerable.Range(1, 20).ToArray();

    [Fact]
    public async Task OneStream_ToTwoSinks_BothReceiveEveryElement()
    {
        var first = new List<int>();
        var second = new List<int>();
        var p = new PipelineBuilder();
        var stream = p.From(Sources.Enumerable(Input)).Select(x => x * 3);
        stream.To(Sinks.Collection(first));
        stream.To(Sinks.Action<int>(second.Add));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 6 }).RunAsync(p.Build());

        first.Should().Equal(Input.Select(x => x * 3));
        second.Should().Equal(first);
    }

    [Fact]
    public async Task OneStream_ToTwoDifferentBranches_EachBranchAppliesOnlyItsOwnOperators()
    {
        var evens = new List<int>();
        var counts = new List<WindowResult<bool, long>>();
        var p = new PipelineBuilder();
        var stream = p.From(Sources.Enumerable(Input));
        stream.Where(x => x % 2 == 0).To(Sinks.Collection(evens));
        stream.KeyBy(x => x > 15).Window(Windows.Global()).Count().To(Sinks.Collection(counts));

        await new BoundedExecutor().RunAsync(p.Build());

        evens.Should().Equal(Input.Where(x => x % 2 == 0));
        counts.Select(c => (c.Key, c.Value)).Should().Equal((false, 15L), (true, 5L));
    }

    [Fact]
    public async Task BranchWithoutSink_IsNotRun()
    {
        int selectCalls = 0, keyCalls = 0, connectedCalls = 0;
        var results = new List<int>();
        var p = new PipelineBuilder();
        var stream = p.From(Sources.Enumerable(Input));
        stream.Select(x => ++selectCalls).Where(x => x > 0);
        stream.KeyBy(x => ++keyCalls).Window(Windows.Global()).Count();
        stream.Select(x => { connectedCalls++; return x; }).To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build());

        (selectCalls, keyCalls).Should().Be((0, 0));
        connectedCalls.Should().Be(Input.Length);
        results.Should().Equal(Input);
    }

    [Fact]
    public async Task StreamSplitAndUnionedAgain_DeliversEachElementOnce()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var stream = p.From(Sources.Enumerable(Input));
            return stream.Where(x => x % 2 == 0).Union(stream.Where(x => x % 2 == 1));
        });

        results.Should().BeEquivalentTo(Input);
    }

    [Fact]
    public async Task StreamUnionedWithItself_DeliversEachElementTwice()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var stream = p.From(Sources.Enumerable(new[] { 1, 2 }));
            return stream.Union(stream);
        });

        results.Should().BeEquivalentTo([1, 1, 2, 2]);
    }

    [Fact]
    public async Task WindowResults_ToTwoSinks_BothGetTheSameResults()
    {
        var a = new List<WindowResult<string, long>>();
        var b = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        var counts = p.Events(Ev.At("x", 1), Ev.At("y", 2), Ev.At("x", 61)).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count();
        counts.To(Sinks.Collection(a));
        counts.Where(r => r.Key == "x").To(Sinks.Collection(b));

        await new BoundedExecutor().RunAsync(p.Build());

        a.Select(r => (r.Key, r.Value)).Should().Equal(("x", 1L), ("y", 1L), ("x", 1L));
        b.Should().Equal(a.Where(r => r.Key == "x"));
    }
}
