using Pipelines.Aggregation;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

/// <summary>
/// An element of overlapping sliding windows is added to each of them; when the user's aggregate fails on one of
/// them, the element is skipped (or dead-lettered) as a whole: none of its windows keeps it, and no pane shows it.
/// </summary>
public class SlidingWindowFailureTests
{
    /// <summary>A running balance that cannot start with a withdrawal: its failure depends on the window's state.</summary>
    private sealed class Balance : IAggregator<Ev, long?, long>
    {
        public long? CreateAccumulator() => null;

        public long? Add(long? accumulator, Ev item) =>
            accumulator is null && item.Value < 0 ? throw new InvalidOperationException($"a balance cannot open with a withdrawal ({item})") : (accumulator ?? 0) + item.Value;

        public long? Merge(long? left, long? right) => throw new NotSupportedException();

        public long GetResult(long? accumulator) => accumulator ?? 0;
    }

    private static async Task<(List<WindowResult<string, long>> Results, RunSummary Summary)> RunAsync(string executor, Func<WindowedStream<Ev, string>, WindowedStream<Ev, string>> trigger)
    {
        // 10 s windows every 5 s. The withdrawal at 6 s lies in [0, 10), which holds the deposit, and in [5, 15),
        // which it would open: that window refuses it, so [0, 10) must not keep it either.
        Ev[] input = [Ev.At("k", 1, 5), Ev.At("k", 6, -1), Ev.At("k", 12, 3)];
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        var windows = p.From(Sources.Enumerable(input))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));
        trigger(windows).Aggregate(new Balance()).To(Sinks.Collection(results));
        var summary = executor == "bounded"
            ? await new BoundedExecutor().RunAsync(p.Build())
            : await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build());
        return (results, summary);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AnAggregateFailingOnANewerWindow_LeavesTheElementOutOfTheOlderOnesToo(string executor)
    {
        var (results, summary) = await RunAsync(executor, w => w.AllowedLateness(TimeSpan.FromSeconds(30)));

        summary.ElementsSkipped.Should().Be(1);
        results.Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal((-5.0, 5L), (0.0, 5L), (5.0, 3L), (10.0, 3L));
    }

    [Fact]
    public async Task AnAggregateFailingOnANewerWindow_ShowsTheElementInNoEarlyPane()
    {
        var (results, summary) = await RunAsync("streaming", w => w.EarlyResults(1));

        summary.ElementsSkipped.Should().Be(1);
        results.Where(r => r.Window.Start == Ev.T0).Select(r => r.Value).Should().OnlyContain(v => v == 5, "the withdrawal was skipped, in every pane of [0, 10)");
        results.Where(r => r.Timing == PaneTiming.OnTime).Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal((-5.0, 5L), (0.0, 5L), (5.0, 3L), (10.0, 3L));
    }

    /// <summary>A sum whose third accumulator cannot be made (a pooled resource running out, say).</summary>
    private sealed class ThirdAccumulatorFails : IAggregator<Ev, long, long>
    {
        private int _created;

        public long CreateAccumulator() => ++_created == 3 ? throw new InvalidOperationException("no accumulator") : 0;

        public long Add(long accumulator, Ev item) => accumulator + item.Value;

        public long Merge(long left, long right) => throw new NotSupportedException();

        public long GetResult(long accumulator) => accumulator;
    }

    [Fact]
    public async Task ACreateAccumulatorFailingForANewerWindow_LeavesTheElementOutOfTheOlderOnes_AndNoWindowBehind()
    {
        // The element at 6 s is added to [0, 10) and would open [5, 15), whose accumulator cannot be made.
        Ev[] input = [Ev.At("k", 1, 5), Ev.At("k", 6, -1), Ev.At("k", 12, 3)];
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key)
            .Window(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)))
            .Aggregate(new ThirdAccumulatorFails())
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        summary.ElementsSkipped.Should().Be(1);
        results.Select(r => ((r.Window.Start - Ev.T0).TotalSeconds, r.Value)).Should().Equal((-5.0, 5L), (0.0, 5L), (5.0, 3L), (10.0, 3L));
    }
}
