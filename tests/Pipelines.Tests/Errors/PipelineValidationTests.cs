using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>Build() rejects graphs that cannot run, and a built builder cannot be changed.</summary>
public class PipelineValidationTests
{
    [Fact]
    public void Build_WithoutAnySink_Throws()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).Select(x => x + 1);

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("The pipeline has no sink*To(...)*");
    }

    [Fact]
    public void Build_EmptyBuilder_Throws()
    {
        var act = () => new PipelineBuilder().Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*no sink*");
    }

    [Fact]
    public void Build_ASourceReachingNoSink_Throws_NamingTheSource()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 }, "orders")).To(Sinks.Collection(new List<int>()));
        p.From(Sources.Enumerable(new[] { 2 }, "forgotten")).Where(x => x > 0);

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Source(s) 'forgotten' reach no sink*")
            .Which.Message.Should().NotContain("'orders'");
    }

    [Fact]
    public void Build_ASourceReachingASinkOnlyThroughLateElements_IsValid()
    {
        var p = new PipelineBuilder();
        p.Events(Ev.At("a", 0)).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(1))).Count()
            .LateElements().To(Sinks.Collection(new List<Ev>()));

        var act = () => p.Build();

        act.Should().NotThrow();
    }

    [Fact]
    public void Build_DeadLetterPolicyWithoutDeadLetterSink_Throws()
    {
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter);
        p.From(Sources.Enumerable(new[] { 1 })).Select(x => x).To(Sinks.Collection(new List<int>()));

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("ErrorPolicy.DeadLetter is set*no dead-letter sink*WithDeadLetterSink*");
    }

    [Fact]
    public void Build_DeadLetterOnOneOperatorWithoutDeadLetterSink_Throws_NamingTheOperator()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).Select(x => x).Named("parse").OnError(ErrorPolicy.DeadLetter).To(Sinks.Collection(new List<int>()));

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*DeadLetter*(operators: parse)*WithDeadLetterSink*");
    }

    [Fact]
    public void Build_DeadLetterOnlyOnABranchThatIsNotRun_IsValid()
    {
        var p = new PipelineBuilder();
        var source = p.From(Sources.Enumerable(new[] { 1 }));
        source.To(Sinks.Collection(new List<int>()));
        source.Select(x => x).OnError(ErrorPolicy.DeadLetter);

        var act = () => p.Build();

        act.Should().NotThrow();
    }

    [Fact]
    public void Build_Twice_Throws()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Collection(new List<int>()));
        p.Build();

        var act = () => p.Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*already built*new PipelineBuilder*");
    }

    public static TheoryData<string, Action<PipelineBuilder, DataStream<Ev>>> ChangesAfterBuild() => new()
    {
        { "From", (p, s) => p.From(Sources.Enumerable(new[] { 1 })) },
        { "OnError", (p, s) => p.OnError(ErrorPolicy.Skip) },
        { "WithDeadLetterSink", (p, s) => p.WithDeadLetterSink(Sinks.Collection(new List<DeadLetter>())) },
        { "To", (p, s) => s.To(Sinks.Collection(new List<Ev>())) },
        { "Where", (p, s) => s.Where(e => true) },
        { "Select", (p, s) => s.Select(e => e) },
        { "SelectMany", (p, s) => s.SelectMany(e => new[] { e }) },
        { "WithEventTime", (p, s) => s.WithEventTime(e => e.Time, BoundedRun.NoDelay) },
        { "Named", (p, s) => s.Named("late-name") },
        { "OnError(stream)", (p, s) => s.OnError(ErrorPolicy.Skip) },
        { "KeyBy", (p, s) => s.KeyBy(e => e.Key) },
        { "Union", (p, s) => s.Union(s) },
    };

    [Theory]
    [MemberData(nameof(ChangesAfterBuild))]
    public void Builder_UsedAfterBuild_Throws(string change, Action<PipelineBuilder, DataStream<Ev>> act)
    {
        var p = new PipelineBuilder();
        var stream = p.Events(Ev.At("a", 0));
        stream.To(Sinks.Collection(new List<Ev>()));
        var pipeline = p.Build();
        string before = pipeline.ToString();

        var invoke = () => act(p, stream);

        invoke.Should().Throw<InvalidOperationException>(change).WithMessage("This PipelineBuilder has already built its pipeline*");
        pipeline.ToString().Should().Be(before, "a failed change must not alter the built pipeline");
    }

    [Fact]
    public void KeyedAndWindowedStreams_UsedAfterBuild_Throw()
    {
        var p = new PipelineBuilder();
        var stream = p.Events(Ev.At("a", 0));
        var keyed = stream.KeyBy(e => e.Key);
        var windowed = keyed.Window(Windows.Tumbling(TimeSpan.FromSeconds(1)));
        stream.To(Sinks.Collection(new List<Ev>()));
        p.Build();

        keyed.Invoking(k => k.Window(Windows.Global())).Should().Throw<InvalidOperationException>().WithMessage("*already built*");
        keyed.Invoking(k => k.Join(keyed, Windows.Global(), (a, b) => a)).Should().Throw<InvalidOperationException>().WithMessage("*already built*");
        keyed.Invoking(k => k.IntervalJoin(keyed, TimeSpan.Zero, TimeSpan.Zero, (a, b) => a)).Should().Throw<InvalidOperationException>().WithMessage("*already built*");
        windowed.Invoking(w => w.Count()).Should().Throw<InvalidOperationException>().WithMessage("*already built*");
        windowed.Invoking(w => w.AllowedLateness(TimeSpan.Zero)).Should().Throw<InvalidOperationException>().WithMessage("*already built*");
    }

    [Fact]
    public void Pipeline_ToString_ListsOnlyTheOperatorsThatRun()
    {
        var p = new PipelineBuilder();
        var source = p.From(Sources.Enumerable(new[] { 1 }));
        source.Where(x => x > 0).Named("positive").To(Sinks.Collection(new List<int>()));
        source.Select(x => x * 2).Named("unused");

        var text = p.Build().ToString();

        text.Should().Contain("positive <- Source#1").And.NotContain("unused");
    }
}
