using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

public class WithEventTimeTests
{
    [Fact]
    public void HasEventTime_IsFalseForASource_AndTrueAfterWithEventTime_AndKeptBySelect()
    {
        var p = new PipelineBuilder();
        var raw = p.From(Sources.Enumerable(new[] { Ev.At("a", 0) }));
        var timed = raw.WithEventTime(e => e.Time, BoundedRun.NoDelay);
        var mapped = timed.Select(e => e.Value).Where(v => v > 0).SelectMany(v => new[] { v });

        raw.HasEventTime.Should().BeFalse();
        timed.HasEventTime.Should().BeTrue();
        mapped.HasEventTime.Should().BeTrue();
        raw.Select(e => e.Value).HasEventTime.Should().BeFalse();
    }

    [Fact]
    public async Task WithEventTime_PassesElementsThroughUnchanged()
    {
        var events = new[] { Ev.At("a", 3, 1), Ev.At("b", 1, 2), Ev.At("c", 2, 3) };

        var results = await BoundedRun.CollectAsync(p => p.Events(events));

        results.Should().Equal(events);
    }

    [Fact]
    public async Task WithEventTime_TimesComeFromTheSelector_NotFromArrivalOrder()
    {
        // Arrival order is unrelated to event time; windows follow the selector.
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("k", 125), Ev.At("k", 5), Ev.At("k", 65), Ev.At("k", 6))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count());

        results.Flat().Should().Equal(
            ("k", Ev.T0, Ev.T0.AddMinutes(1), 2L),
            ("k", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L),
            ("k", Ev.T0.AddMinutes(2), Ev.T0.AddMinutes(3), 1L));
    }

    [Fact]
    public async Task WithEventTime_Twice_TheLaterAssignmentWins()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("k", 5, 0), Ev.At("k", 10, 90))
            .WithEventTime(e => Ev.T0.AddSeconds(e.Value), BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count());

        results.Flat().Should().Equal(
            ("k", Ev.T0, Ev.T0.AddMinutes(1), 1L),
            ("k", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L));
    }

    [Fact]
    public async Task WithEventTime_NonUtcOffsets_AreCompared_AsInstants()
    {
        // 01:00:30+01:00 is 00:00:30Z: same minute window as 00:00:10Z.
        var plusOne = new DateTimeOffset(2026, 1, 1, 1, 0, 30, TimeSpan.FromHours(1));
        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { new Ev("k", plusOne), Ev.At("k", 10) }))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count());

        results.Flat().Should().Equal(("k", Ev.T0, Ev.T0.AddMinutes(1), 2L));
    }
}
