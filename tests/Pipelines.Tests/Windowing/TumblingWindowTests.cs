using CsCheck;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class TumblingWindowTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static Task<List<WindowResult<string, long>>> CountAsync(WindowAssigner windows, params DateTimeOffset[] times) =>
        BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(times.Select(t => new Ev("k", t)).ToArray()))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(windows)
            .Count());

    [Fact]
    public async Task Tumbling_ElementAtWindowEnd_BelongsToNextWindow()
    {
        var results = await CountAsync(Windows.Tumbling(Minute), Ev.T0.AddSeconds(30), Ev.T0.AddMinutes(1));

        results.Flat().Should().Equal(
            ("k", Ev.T0, Ev.T0.AddMinutes(1), 1L),
            ("k", Ev.T0.AddMinutes(1), Ev.T0.AddMinutes(2), 1L));
    }

    [Fact]
    public async Task Tumbling_ElementAtWindowStart_AndOneTickBeforeEnd_BelongToTheSameWindow()
    {
        var results = await CountAsync(Windows.Tumbling(Minute), Ev.T0, Ev.T0.AddMinutes(1).AddTicks(-1));

        results.Flat().Should().Equal(("k", Ev.T0, Ev.T0.AddMinutes(1), 2L));
    }

    [Fact]
    public async Task Tumbling_ResultWindow_IsHalfOpen_AndHasTheWindowSize()
    {
        var results = await CountAsync(Windows.Tumbling(Minute), Ev.T0.AddSeconds(59));

        var window = results.Should().ContainSingle().Subject.Window;
        window.Size.Should().Be(Minute);
        window.Contains(Ev.T0).Should().BeTrue();
        window.Contains(Ev.T0.AddMinutes(1).AddTicks(-1)).Should().BeTrue();
        window.Contains(Ev.T0.AddMinutes(1)).Should().BeFalse();
        window.Contains(Ev.T0.AddTicks(-1)).Should().BeFalse();
    }

    [Fact]
    public async Task Tumbling_BoundedRun_EmitsOneOnTimePanePerWindow()
    {
        var results = await CountAsync(Windows.Tumbling(Minute), Ev.T0, Ev.T0.AddSeconds(1), Ev.T0.AddMinutes(5));

        results.Select(r => (r.Timing, r.PaneIndex)).Should().Equal((PaneTiming.OnTime, 0), (PaneTiming.OnTime, 0));
    }

    [Fact]
    public async Task Tumbling_PeriodsWithoutElements_ProduceNoResult()
    {
        var results = await CountAsync(Windows.Tumbling(Minute), Ev.T0, Ev.T0.AddMinutes(10));

        results.Select(r => r.Window.Start).Should().Equal(Ev.T0, Ev.T0.AddMinutes(10));
    }

    [Fact]
    public async Task Tumbling_Offset_ShiftsTheWindowGrid()
    {
        var at = (int h, int m) => new DateTimeOffset(2026, 1, 1, h, m, 0, TimeSpan.Zero);

        var results = await CountAsync(Windows.Tumbling(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)), at(10, 5), at(10, 15), at(11, 14));

        results.Flat().Should().Equal(
            ("k", at(9, 15), at(10, 15), 1L),
            ("k", at(10, 15), at(11, 15), 2L));
    }

    [Fact]
    public async Task Tumbling_WindowsAlignToTheUnixEpoch_NotToTheFirstElement()
    {
        // 11 s does not divide a day, so the window of an element is found from the epoch, not from midnight or the first element.
        var size = TimeSpan.FromSeconds(11);
        long sinceEpoch = (Ev.T0 - DateTimeOffset.UnixEpoch).Ticks;
        var expectedStart = DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch / size.Ticks * size.Ticks);

        var results = await CountAsync(Windows.Tumbling(size), Ev.T0);

        results.Flat().Should().Equal(("k", expectedStart, expectedStart + size, 1L));
        expectedStart.Should().NotBe(Ev.T0, "the test needs T0 off the 11 s grid to show the alignment");
    }

    [Fact]
    public async Task Tumbling_PreEpochTimestamp_StartsAtTheSecondBelow()
    {
        var t = new DateTimeOffset(1969, 12, 31, 23, 59, 59, 500, TimeSpan.Zero);

        var results = await CountAsync(Windows.Tumbling(TimeSpan.FromSeconds(1)), t);

        results.Flat().Should().Equal(("k", new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.Zero), DateTimeOffset.UnixEpoch, 1L));
    }

    [Fact]
    public async Task Tumbling_PreEpochTimestampOnABoundary_StartsThere()
    {
        var t = new DateTimeOffset(1969, 12, 31, 23, 59, 58, TimeSpan.Zero);

        var results = await CountAsync(Windows.Tumbling(TimeSpan.FromSeconds(1)), t, t.AddTicks(-1));

        results.Flat().Should().BeEquivalentTo(new[]
        {
            ("k", t, t.AddSeconds(1), 1L),
            ("k", t.AddSeconds(-1), t, 1L),
        });
    }

    [Fact]
    public async Task Tumbling_WithOffset_WindowCanSpanTheEpoch()
    {
        var results = await CountAsync(
            Windows.Tumbling(TimeSpan.FromHours(1), TimeSpan.FromMinutes(30)),
            DateTimeOffset.UnixEpoch.AddMinutes(-20),
            DateTimeOffset.UnixEpoch.AddMinutes(10));

        results.Flat().Should().Equal(("k", DateTimeOffset.UnixEpoch.AddMinutes(-30), DateTimeOffset.UnixEpoch.AddMinutes(30), 2L));
    }

    [Fact]
    public async Task Tumbling_FarPast_Year1700_IsAlignedLikeAnyOtherTime()
    {
        var t = new DateTimeOffset(1700, 3, 1, 12, 34, 56, TimeSpan.Zero);

        var results = await CountAsync(Windows.Tumbling(TimeSpan.FromHours(1)), t);

        results.Flat().Should().Equal(("k", new DateTimeOffset(1700, 3, 1, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(1700, 3, 1, 13, 0, 0, TimeSpan.Zero), 1L));
    }

    [Fact]
    public async Task Tumbling_KeysAreCountedSeparately()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 1), Ev.At("b", 2), Ev.At("a", 3))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(Minute))
            .Count());

        results.Select(r => (r.Key, r.Value)).Should().Equal(("a", 2L), ("b", 1L));
    }

    [Fact]
    public async Task Tumbling_AnyTimestampSizeAndOffset_ElementLandsInTheOneWindowOfTheGridContainingIt()
    {
        // Half the elements anywhere in years 100..9900, half near the epoch on whole seconds (give or take a tick),
        // and half the sizes whole seconds: so elements often sit exactly on window bounds.
        var second = TimeSpan.TicksPerSecond;
        var anywhere = Gen.Long[-600_000_000_000_000_000L, 2_500_000_000_000_000_000L];
        var nearBounds = Gen.Select(Gen.Int[-100, 100], Gen.Int[-1, 1], (s, jitter) => s * second + jitter);
        var gen = Gen.Select(
            Gen.OneOf(anywhere, nearBounds).Array[1, 20],
            Gen.OneOf(Gen.Long[1, 10_000_000_000L], Gen.Int[1, 10].Select(s => s * second)),
            Gen.Double[0, 1]);

        await gen.SampleAsync(async (ticks, size, offsetFraction) =>
        {
            long offset = Math.Min(size - 1, (long)(offsetFraction * size));
            var times = ticks.Select(t => DateTimeOffset.UnixEpoch.AddTicks(t)).ToArray();

            var results = await CountAsync(Windows.Tumbling(TimeSpan.FromTicks(size), TimeSpan.FromTicks(offset)), times);

            // Independent expectation: floor division on decimals, start = offset + floor((t - offset) / size) * size.
            var expected = ticks
                .Select(t => offset + (long)Math.Floor((decimal)(t - offset) / size) * size)
                .GroupBy(start => start)
                .Select(g => ("k", DateTimeOffset.UnixEpoch.AddTicks(g.Key), DateTimeOffset.UnixEpoch.AddTicks(g.Key + size), (long)g.Count()));
            results.Flat().Should().BeEquivalentTo(expected);
        }, iter: 200, threads: 1);
    }
}
