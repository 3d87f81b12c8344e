using Pipelines.Plan;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Plan;

/// <summary>The physical plan: vertices with parallelism, edges with partitioning and input numbering, and stable operator ids.</summary>
public class PhysicalPlanTests
{
    private static readonly Ev[] Events = [Ev.At("a", 1), Ev.At("b", 2)];

    /// <summary>Source → Where → Select (fused) → keyed window → sink, and the window's late elements → a second sink.</summary>
    private static Pipeline Windowed(Action<PipelineBuilder>? more = null)
    {
        var p = new PipelineBuilder();
        var counts = p.From(Sources.Enumerable(Events)).Where(e => e.Key != "").Select(e => e with { Key = e.Key.ToUpperInvariant() })
            .WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count();
        counts.To(Sinks.Action<WindowResult<string, long>>(_ => { }));
        counts.LateElements().To(Sinks.Action<Ev>(_ => { }));
        more?.Invoke(p);
        return p.Build();
    }

    [Fact]
    public void Vertices_AreSourcesThenStages_WithTheirParallelism_AndEdgesWithTheirPartitioning()
    {
        var plan = PhysicalPlan.Create(Windowed(), keyedParallelism: 3);

        plan.Sources.Should().ContainSingle();
        plan.Stages.Select(s => (s.Node.GetType().Name, s.Parallelism, s.IsSink)).Should().Equal(
            ("WindowAggregateNode`4", 3, false), ("SinkNode`1", 1, true), ("SinkNode`1", 1, true));
        plan.Sinks.Select(s => s.SinkIndex).Should().Equal(0, 1);

        var source = plan.Sources[0];
        var window = plan.Stages[0];
        source.Outputs.Should().ContainSingle().Which.Should().Match<PlanEdge>(e => e.To == window && e.Partitioning == EdgePartitioning.Hash);
        window.InputCount.Should().Be(1, "one source task feeds each window worker");
        window.Outputs.Select(e => (e.To, e.Partitioning)).Should().Equal((plan.Stages[1], EdgePartitioning.Forward), (plan.Stages[2], EdgePartitioning.Forward));
        plan.Stages[1].InputCount.Should().Be(3, "each of the 3 window workers is an input of the sink");
        plan.Stages[1].Inputs.Single().InputOf(2).Should().Be(2);
    }

    [Fact]
    public void AFanOutJoinedAgainByAUnion_IsTwoEdges_AndTwoInputs()
    {
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable(new[] { 1, 2 }));
        numbers.Where(i => i > 1).Union(numbers.Select(i => -i)).To(Sinks.Action<int>(_ => { }));

        var plan = PhysicalPlan.Create(p.Build(), keyedParallelism: 4);

        var sink = plan.Stages.Single();
        sink.Inputs.Should().HaveCount(2).And.OnlyContain(e => e.From == plan.Sources[0]);
        sink.Inputs.Select(e => e.FirstInput).Should().Equal(0, 1);
        sink.InputCount.Should().Be(2);
    }

    [Fact]
    public void OperatorIds_AreTheSameForTheSamePipeline_WhateverTheParallelism()
    {
        var first = PhysicalPlan.Create(Windowed(), keyedParallelism: 1);
        var second = PhysicalPlan.Create(Windowed(), keyedParallelism: 4);

        second.Vertices.Select(v => v.Id).Should().Equal(first.Vertices.Select(v => v.Id));
        first.OperatorIds.Values.Should().OnlyHaveUniqueItems();
        first.Stages[0].Id.Value.Should().StartWith("Window-");
    }

    [Fact]
    public void OperatorIds_OfAnUnchangedPart_SurviveABranchAddedElsewhere()
    {
        var before = PhysicalPlan.Create(Windowed(), keyedParallelism: 2);
        var after = PhysicalPlan.Create(Windowed(p => p.From(Sources.Enumerable(new[] { 1 })).Select(i => i + 1).To(Sinks.Action<int>(_ => { }))), keyedParallelism: 2);

        after.Vertices.Select(v => v.Id).Should().StartWith(before.Sources.Select(v => v.Id));
        after.Stages.Take(3).Select(v => v.Id).Should().Equal(before.Stages.Select(v => v.Id));
    }

    [Fact]
    public void OperatorIds_Change_WhenAnOperatorsInputsChange()
    {
        var direct = new PipelineBuilder();
        direct.From(Sources.Enumerable(Events)).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<string, long>>(_ => { }));
        var filtered = new PipelineBuilder();
        filtered.From(Sources.Enumerable(Events)).Where(e => e.Key == "a").WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<string, long>>(_ => { }));

        var a = PhysicalPlan.Create(direct.Build(), 1);
        var b = PhysicalPlan.Create(filtered.Build(), 1);

        b.Sources[0].Id.Should().Be(a.Sources[0].Id);
        b.Stages[0].Id.Should().NotBe(a.Stages[0].Id);
    }

    [Fact]
    public void OperatorIds_TellApartOperatorsOfTheSameKindOnTheSameInput()
    {
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable(new[] { 1, 2 }));
        numbers.Where(i => i > 1).To(Sinks.Action<int>(_ => { }));
        numbers.Where(i => i < 2).To(Sinks.Action<int>(_ => { }));

        var plan = PhysicalPlan.Create(p.Build(), 1);

        plan.OperatorIds.Values.Should().HaveCount(5).And.OnlyHaveUniqueItems();
        plan.Sinks[0].Id.Should().NotBe(plan.Sinks[1].Id);
    }

    [Fact]
    public void AUserChosenId_IsKept_AndTwoEqualOnesAreRefusedNamingBothOperators()
    {
        var pipeline = Windowed();
        var window = pipeline.Nodes.Single(n => n.Kind == "Window");
        window.Uid = "counts";

        PhysicalPlan.Create(pipeline, 2).Stages[0].Id.Should().Be(new OperatorId("counts"));

        var sink = pipeline.Nodes.First(n => n.Kind == "Sink");
        sink.Uid = "counts";
        var act = () => PhysicalPlan.Create(pipeline, 2);
        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{window.Name}'*'{sink.Name}'*'counts'*");
    }
}
