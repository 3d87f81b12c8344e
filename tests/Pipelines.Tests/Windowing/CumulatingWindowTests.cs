using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class CumulatingWindowTests
{
    private static async Task<List<WindowResult<string, int>>> SumAsync(WindowAssigner windows, bool streaming, IReadOnlyList<Ev> events)
    {
        var results = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(30)))
            .KeyBy(e => e.Key).Window(windows).Sum(e => e.Value)
            .To(Sinks.Collection(results));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cumulating_GivesTheRunningTotalOfEachPeriod_OnBothExecutors(bool streaming)
    {
        // Three keys over 25 s, out of order by up to 5 s; windows grow by 2 s up to 10 s.
        var random = new Random(11);
        var events = Enumerable.Range(0, 300)
            .Select(i => Ev.At("k" + random.Next(3), i / 12.0 + random.NextDouble() * 5, random.Next(1, 10)))
            .ToList();

        var results = await SumAsync(Windows.Cumulating(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)), streaming, events);

        // Brute force: for every period [s, s + 10 s) holding an event of the key, the windows [s, s + 2k s) that hold one.
        var expected = new List<(string, DateTimeOffset, DateTimeOffset, int)>();
        foreach (var key in events.Select(e => e.Key).Distinct())
        {
            var mine = events.Where(e => e.Key == key).ToList();
            foreach (var start in mine.Select(e => Ev.T0.AddSeconds(Math.Floor((e.Time - Ev.T0).TotalSeconds / 10) * 10)).Distinct())
            {
                for (int k = 1; k <= 5; k++)
                {
                    var end = start.AddSeconds(2 * k);
                    var inside = mine.Where(e => e.Time >= start && e.Time < end).ToList();
                    if (inside.Count > 0) expected.Add((key, start, end, inside.Sum(e => e.Value)));
                }
            }
        }

        results.Should().OnlyContain(r => r.Timing == PaneTiming.OnTime);
        results.Flat().Should().BeEquivalentTo(expected);
        results.Count.Should().Be(expected.Count).And.BeGreaterThan(30);
    }

    [Fact]
    public async Task Cumulating_ElementIsInEveryWindowOfItsPeriodEndingAfterIt()
    {
        // Step 1 s, size 4 s: an element at T0 + 2.5 s is in [T0, T0 + 3 s) and [T0, T0 + 4 s), not in [T0, T0 + 1 s) or [T0, T0 + 2 s).
        var results = await SumAsync(Windows.Cumulating(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)), streaming: false, [Ev.At("k", 2.5, 1)]);

        results.Select(r => (r.Window.Start, r.Window.End)).Should().Equal(
            (Ev.T0, Ev.T0.AddSeconds(3)),
            (Ev.T0, Ev.T0.AddSeconds(4)));
    }

    [Fact]
    public async Task Cumulating_Offset_ShiftsThePeriods()
    {
        var results = await SumAsync(Windows.Cumulating(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2)), streaming: false, [Ev.At("k", 60, 1)]);

        // Periods start at 2 min past each 10 min; T0 + 1 min is in [T0 - 8 min, T0 + 2 min) only, not in [T0 - 8 min, T0 - 3 min).
        results.Select(r => (r.Window.Start, r.Window.End)).Should().Equal((Ev.T0.AddMinutes(-8), Ev.T0.AddMinutes(2)));
    }

    [Theory]
    [InlineData(3, 10, 0)]
    [InlineData(20, 10, 0)]
    [InlineData(0, 10, 0)]
    [InlineData(2, 10, 10)]
    [InlineData(2, 10, -1)]
    public void Cumulating_RejectsAStepThatDoesNotDivideTheSize_OrAnOffsetOutsideIt(int step, int size, int offset)
    {
        var act = () => Windows.Cumulating(TimeSpan.FromSeconds(step), TimeSpan.FromSeconds(size), TimeSpan.FromSeconds(offset));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
