using Pipelines.Plan;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>User-chosen operator ids (<see cref="DataStream{T}.Uid"/>): they are the plan's ids, and unique.</summary>
public sealed class UidTests
{
    [Fact]
    public void AUid_IsTheOperatorsIdInThePlan_AndStaysWhenAnOperatorIsAddedUpstream()
    {
        static PhysicalPlan Plan(bool extra, bool uids)
        {
            var p = new PipelineBuilder("orders");
            var events = p.From(Sources.Enumerable(new[] { Ev.At("a", 1) })).WithEventTime(e => e.Time, Watermarks.Monotonic());
            if (extra) events = events.Where(e => e.Value >= 0);
            var sums = events.KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count();
            if (uids) sums = sums.Uid("counts");
            sums.LateElements().To(Sinks.Collection(new List<Ev>()));
            sums.To(Sinks.Collection(new List<WindowResult<string, long>>()));
            return PhysicalPlan.Create(p.Build(), 2);
        }

        string Window(PhysicalPlan plan) => plan.Stages.Single(s => !s.IsSink && s.Name.StartsWith("Window", StringComparison.Ordinal)).Id.Value;

        Window(Plan(extra: false, uids: true)).Should().Be("counts");
        Window(Plan(extra: true, uids: true)).Should().Be("counts");
        Window(Plan(extra: true, uids: false)).Should().NotBe(Window(Plan(extra: false, uids: false)), "a derived id follows the operator's inputs");
    }

    [Fact]
    public void TwoOperatorsWithOneUid_AreRefusedAtBuild_NamingBoth()
    {
        var p = new PipelineBuilder("orders");
        var events = p.From(Sources.Enumerable(new[] { Ev.At("a", 1) })).WithEventTime(e => e.Time, Watermarks.Monotonic());
        events.KeyBy(e => e.Key).Scan(0, (n, _) => n + 1).Named("running count").Uid("state").To(Sinks.Collection(new List<int>()));
        events.KeyBy(e => e.Key).Distinct().Named("first per key").Uid("state").To(Sinks.Collection(new List<Ev>()));

        FluentActions.Invoking(() => p.Build()).Should().Throw<InvalidOperationException>()
            .WithMessage("Operators 'running count' and 'first per key' have the same uid 'state'*give each operator its own.");
    }

    [Fact]
    public void ABlankUid_IsRefused() =>
        FluentActions.Invoking(() => new PipelineBuilder().From(Sources.Enumerable(new[] { 1 })).Uid(" "))
            .Should().Throw<ArgumentException>();
}
