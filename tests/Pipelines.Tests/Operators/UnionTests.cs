using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

public class UnionTests
{
    [Fact]
    public async Task Union_TwoSources_DeliversAllElements_FirstSourceFirst()
    {
        var results = await BoundedRun.CollectAsync(p =>
            p.From(Sources.Enumerable(new[] { 1, 2, 3 })).Union(p.From(Sources.Enumerable(new[] { 10, 20 }))));

        results.Should().Equal(1, 2, 3, 10, 20);
    }

    [Fact]
    public async Task Union_ThreeStreams_ReadInTheOrderTheSourcesWereAdded()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var a = p.From(Sources.Enumerable(new[] { "a1", "a2" }));
            var b = p.From(Sources.Enumerable(new[] { "b1" }));
            var c = p.From(Sources.Enumerable(new[] { "c1", "c2" }));
            return c.Union(a, b);
        });

        results.Should().Equal("a1", "a2", "b1", "c1", "c2");
    }

    [Fact]
    public async Task Union_OfTransformedBranches_AppliesEachBranchOwnOperators()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var left = p.From(Sources.Enumerable(new[] { 1, 2, 3, 4 })).Where(x => x % 2 == 0).Select(x => $"L{x}");
            var right = p.From(Sources.Enumerable(new[] { 5, 6 })).Select(x => $"R{x}");
            return left.Union(right);
        });

        results.Should().Equal("L2", "L4", "R5", "R6");
    }

    [Fact]
    public async Task Union_WithEventTime_WindowsAggregateAcrossBothInputs()
    {
        var results = await BoundedRun.CollectAsync(p =>
        {
            var web = p.Events("web", [Ev.At("a", 1, 1), Ev.At("b", 2, 10)]);
            var app = p.Events("app", [Ev.At("a", 3, 100), Ev.At("a", 61, 1000)]);
            return web.Union(app).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Sum(e => e.Value);
        });

        results.Flat().Should().Equal(
            ("a", Ev.T0, Ev.T0.AddMinutes(1), 101),
            ("b", Ev.T0, Ev.T0.AddMinutes(1), 10),
            ("a", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1000));
    }

    [Fact]
    public void Union_MixingStreamsWithAndWithoutEventTime_ThrowsNamingTheStreamWithout()
    {
        var p = new PipelineBuilder();
        var timed = p.Events(Ev.At("a", 0));
        var untimed = p.From(Sources.Enumerable(new[] { Ev.At("b", 0) })).Named("legacy-feed");

        var act = () => timed.Union(untimed);

        act.Should().Throw<ArgumentException>()
            .WithParameterName("others")
            .WithMessage("*with and without event time*legacy-feed*WithEventTime*");
    }

    [Fact]
    public void Union_StreamWithoutEventTimeFirst_StillRejected()
    {
        var p = new PipelineBuilder();
        var untimed = p.From(Sources.Enumerable(new[] { Ev.At("b", 0) })).Named("untimed");
        var timed = p.Events(Ev.At("a", 0));

        var act = () => untimed.Union(timed);

        act.Should().Throw<ArgumentException>().WithParameterName("others").WithMessage("*untimed*");
    }

    [Fact]
    public void Union_ResultHasEventTime_OnlyWhenAllInputsHave()
    {
        var p = new PipelineBuilder();
        var a = p.From(Sources.Enumerable(new[] { 1 }));
        var b = p.From(Sources.Enumerable(new[] { 2 }));
        var ta = a.WithEventTime(_ => Ev.T0, BoundedRun.NoDelay);
        var tb = b.WithEventTime(_ => Ev.T0, BoundedRun.NoDelay);

        a.Union(b).HasEventTime.Should().BeFalse();
        ta.Union(tb).HasEventTime.Should().BeTrue();
    }

    [Fact]
    public void Union_WithNoOtherStream_Throws()
    {
        var p = new PipelineBuilder();
        var act = () => p.From(Sources.Enumerable(new[] { 1 })).Union();

        act.Should().Throw<ArgumentException>().WithParameterName("others").WithMessage("*at least one*");
    }

    [Fact]
    public void Union_StreamFromAnotherBuilder_Throws()
    {
        var mine = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        var theirs = new PipelineBuilder().From(Sources.Enumerable(new[] { 2 }));

        var act = () => mine.Union(theirs);

        act.Should().Throw<ArgumentException>().WithParameterName("others").WithMessage("*different PipelineBuilders*");
    }
}
