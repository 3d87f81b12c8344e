using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class SlidingWindowTests
{
    private static Task<List<WindowResult<string, long>>> CountAsync(WindowAssigner windows, params DateTimeOffset[] times) =>
        BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(times.Select(t => new Ev("k", t)).ToArray()))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(windows)
            .Count());

    /// <summary>Brute force: every grid start (offset + k·slide) whose [start, start + size) contains t.</summary>
    private static List<long> WindowStartsContaining(long t, long size, long slide, long offset)
    {
        long k = (long)Math.Floor((decimal)(t - offset) / slide);
        var starts = new List<long>();
        for (long j = k - (size / slide) - 2; j <= k + 1; j++)
        {
            long start = offset + j * slide;
            if (start <= t && t < start + size) starts.Add(start);
        }

        return starts;
    }

    [Theory]
    [InlineData(10, 5, 2)]
    [InlineData(60, 10, 6)]
    [InlineData(4, 1, 4)]
    [InlineData(5, 5, 1)]
    public async Task Sliding_SlideDividesSize_EachElementIsInSizeOverSlideWindows(int sizeSeconds, int slideSeconds, int expected)
    {
        var times = Enumerable.Range(0, 10).Select(i => Ev.T0.AddSeconds(i * 1.7)).ToArray();

        var results = await CountAsync(Windows.Sliding(TimeSpan.FromSeconds(sizeSeconds), TimeSpan.FromSeconds(slideSeconds)), times);

        foreach (var t in times)
        {
            results.Count(r => r.Window.Contains(t)).Should().Be(expected, "element at {0} is in size/slide windows", t);
        }

        results.Sum(r => r.Value).Should().Be(times.Length * expected);
    }

    [Fact]
    public async Task Sliding_SlideDoesNotDivideSize_ElementIsInFloorOrCeilOfSizeOverSlideWindows()
    {
        // size 10 s, slide 3 s; T0 lies on the 3 s grid (1767225600 s since the epoch).
        // Windows containing T0 start at T0-9, T0-6, T0-3, T0 (4); T0+1 is in T0-6, T0-3, T0 (3), since [T0-9, T0+1) excludes it.
        var results = await CountAsync(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3)), Ev.T0);
        var results1 = await CountAsync(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3)), Ev.T0.AddSeconds(1));

        results.Select(r => r.Window.Start).Should().Equal(Ev.T0.AddSeconds(-9), Ev.T0.AddSeconds(-6), Ev.T0.AddSeconds(-3), Ev.T0);
        results1.Select(r => r.Window.Start).Should().Equal(Ev.T0.AddSeconds(-6), Ev.T0.AddSeconds(-3), Ev.T0);
        results.Concat(results1).Should().OnlyContain(r => r.Window.Size == TimeSpan.FromSeconds(10) && r.Value == 1);
    }

    [Fact]
    public async Task Sliding_ElementAtAWindowsEnd_IsNotInThatWindow()
    {
        // size 10 s, slide 5 s: an element at T0+10 is in [T0+5, T0+15) and [T0+10, T0+20), not in [T0, T0+10).
        var results = await CountAsync(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), Ev.T0.AddSeconds(10));

        results.Select(r => r.Window.Start).Should().Equal(Ev.T0.AddSeconds(5), Ev.T0.AddSeconds(10));
    }

    [Fact]
    public async Task Sliding_Offset_ShiftsTheGrid()
    {
        var results = await CountAsync(
            Windows.Sliding(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2)),
            Ev.T0.AddMinutes(6));

        results.Select(r => (r.Window.Start, r.Window.End)).Should().Equal(
            (Ev.T0.AddMinutes(-3), Ev.T0.AddMinutes(7)),
            (Ev.T0.AddMinutes(2), Ev.T0.AddMinutes(12)));
    }

    [Fact]
    public async Task Sliding_PreEpochTimestamp_FloorsDownward()
    {
        var t = new DateTimeOffset(1969, 12, 31, 23, 59, 59, 500, TimeSpan.Zero);

        var results = await CountAsync(Windows.Sliding(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)), t);

        results.Select(r => (r.Window.Start, r.Window.End)).Should().Equal(
            (DateTimeOffset.UnixEpoch.AddSeconds(-2), DateTimeOffset.UnixEpoch),
            (DateTimeOffset.UnixEpoch.AddSeconds(-1), DateTimeOffset.UnixEpoch.AddSeconds(1)));
    }

    [Fact]
    public async Task Sliding_Results_AreOrderedByWindowEnd()
    {
        var results = await CountAsync(
            Windows.Sliding(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)),
            Ev.T0.AddSeconds(45), Ev.T0.AddSeconds(5), Ev.T0.AddSeconds(25));

        results.Select(r => r.Window.End).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        results.Sum(r => r.Value).Should().Be(9);
    }

    [Fact]
    public async Task Sliding_AnyTimestampSizeSlideAndOffset_MatchesBruteForceAssignment()
    {
        // Whole seconds (give or take a tick) on a grid of whole seconds, so elements often sit on window bounds.
        var second = TimeSpan.TicksPerSecond;
        var tick = Gen.Select(Gen.Int[-60, 60], Gen.Int[-1, 1], (s, jitter) => s * second + jitter);
        var gen = Gen.Select(tick.Array[1, 12], Gen.Int[1, 6], Gen.Int[1, 4], Gen.Double[0, 1], Gen.Double[0, 1]);

        await gen.SampleAsync(async (ticks, slideSeconds, slidesPerSize, remainderFraction, offsetFraction) =>
        {
            // size is not always a multiple of slide: add a remainder of whole seconds in [0, slide).
            long slide = slideSeconds * second;
            long size = slide * slidesPerSize + Math.Min(slideSeconds - 1, (long)(remainderFraction * slideSeconds)) * second;
            long offset = Math.Min(slideSeconds - 1, (long)(offsetFraction * slideSeconds)) * second;
            var times = ticks.Select(t => DateTimeOffset.UnixEpoch.AddTicks(t)).ToArray();

            var results = await CountAsync(Windows.Sliding(TimeSpan.FromTicks(size), TimeSpan.FromTicks(slide), TimeSpan.FromTicks(offset)), times);

            var expected = ticks
                .SelectMany(t => WindowStartsContaining(t, size, slide, offset))
                .GroupBy(start => start)
                .Select(g => ("k", DateTimeOffset.UnixEpoch.AddTicks(g.Key), DateTimeOffset.UnixEpoch.AddTicks(g.Key + size), (long)g.Count()));
            results.Flat().Should().BeEquivalentTo(expected);
        }, iter: 300, threads: 1);
    }
}
