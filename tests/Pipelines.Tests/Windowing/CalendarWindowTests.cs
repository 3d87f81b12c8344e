using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class CalendarWindowTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static Window Assign(WindowAssigner assigner, DateTimeOffset t)
    {
        Span<Window> one = stackalloc Window[1];
        assigner.AssignWindows(Pipelines.Time.EventTime.FromDateTimeOffset(t), one).Should().Be(1);
        return one[0];
    }

    [Fact]
    public void Day_InBerlin_RunsFromLocalMidnightToLocalMidnight()
    {
        var w = Assign(Windows.Calendar(CalendarUnit.Day, Berlin), new DateTimeOffset(2026, 1, 15, 23, 30, 0, TimeSpan.Zero));

        // 23:30 UTC on the 15th is 00:30 on the 16th in Berlin (UTC+1 in winter).
        w.Start.Should().Be(new DateTimeOffset(2026, 1, 15, 23, 0, 0, TimeSpan.Zero));
        w.End.Should().Be(new DateTimeOffset(2026, 1, 16, 23, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Day_WhenTheClocksGoForward_Has23Hours_AndBack_25()
    {
        var spring = Assign(Windows.Calendar(CalendarUnit.Day, Berlin), new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero));
        var autumn = Assign(Windows.Calendar(CalendarUnit.Day, Berlin), new DateTimeOffset(2026, 10, 25, 12, 0, 0, TimeSpan.Zero));

        spring.Size.Should().Be(TimeSpan.FromHours(23));
        spring.Start.Should().Be(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero));
        autumn.Size.Should().Be(TimeSpan.FromHours(25));
        autumn.End.Should().Be(new DateTimeOffset(2026, 10, 25, 23, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Week_StartsOnMonday_AndMonth_OnTheFirst()
    {
        var t = new DateTimeOffset(2026, 2, 18, 12, 0, 0, TimeSpan.Zero); // a Wednesday
        var week = Assign(Windows.Calendar(CalendarUnit.Week, Berlin), t);
        var sundayWeek = Assign(Windows.Calendar(CalendarUnit.Week, Berlin, DayOfWeek.Sunday), t);
        var month = Assign(Windows.Calendar(CalendarUnit.Month, Berlin), t);
        var year = Assign(Windows.Calendar(CalendarUnit.Year, TimeZoneInfo.Utc), t);

        week.Start.Should().Be(new DateTimeOffset(2026, 2, 15, 23, 0, 0, TimeSpan.Zero));
        week.Size.Should().Be(TimeSpan.FromDays(7));
        sundayWeek.Start.Should().Be(new DateTimeOffset(2026, 2, 14, 23, 0, 0, TimeSpan.Zero));
        month.Start.Should().Be(new DateTimeOffset(2026, 1, 31, 23, 0, 0, TimeSpan.Zero));
        month.End.Should().Be(new DateTimeOffset(2026, 2, 28, 23, 0, 0, TimeSpan.Zero));
        year.Should().Be(new Window(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EndOfDayTotals_InBerlin_OnBothExecutors(bool streaming)
    {
        // Two transactions either side of Berlin midnight, one hour apart in UTC.
        var events = new[]
        {
            new Ev("acct", new DateTimeOffset(2026, 1, 15, 22, 30, 0, TimeSpan.Zero), 10),  // 23:30 on the 15th in Berlin
            new Ev("acct", new DateTimeOffset(2026, 1, 15, 23, 30, 0, TimeSpan.Zero), 20),  // 00:30 on the 16th in Berlin
            new Ev("acct", new DateTimeOffset(2026, 1, 16, 12, 0, 0, TimeSpan.Zero), 5),
        };
        var results = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key).Window(Windows.Calendar(CalendarUnit.Day, Berlin)).Sum(e => e.Value)
            .To(Sinks.Collection(results));

        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        results.Select(r => (TimeZoneInfo.ConvertTime(r.Window.Start, Berlin).Date, r.Value))
            .Should().Equal((new DateTime(2026, 1, 15), 10), (new DateTime(2026, 1, 16), 25));
    }

    [Theory]
    [InlineData(CalendarUnit.Day)]
    [InlineData(CalendarUnit.Week)]
    [InlineData(CalendarUnit.Month)]
    [InlineData(CalendarUnit.Year)]
    public void TheCalendarsLastWindow_HoldsDateTimeOffsetMaxValue_InZonesEitherSideOfUtc(CalendarUnit unit)
    {
        foreach (var zone in new[] { TimeZoneInfo.Utc, Berlin, TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles") })
        {
            var w = Assign(Windows.Calendar(unit, zone, DayOfWeek.Sunday), DateTimeOffset.MaxValue);

            w.Start.Should().BeBefore(DateTimeOffset.MaxValue, because: $"{unit} in {zone.Id}");
            w.End.Should().Be(DateTimeOffset.MaxValue, because: "the window ends past the last representable instant, which End reports");
            (w.Size >= TimeSpan.FromDays(1) || w.Size == TimeSpan.MaxValue).Should().BeTrue(because: $"{unit} in {zone.Id} is at least a day long, not {w.Size}");
        }
    }

    [Fact]
    public void TheLastYear_IsOneWindow_WhateverTheElementsInIt()
    {
        var june = Assign(Windows.Calendar(CalendarUnit.Year, TimeZoneInfo.Utc), new DateTimeOffset(9999, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var last = Assign(Windows.Calendar(CalendarUnit.Year, TimeZoneInfo.Utc), DateTimeOffset.MaxValue);

        june.Should().Be(last);
        june.Start.Should().Be(new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void TheFirstDay_EastOfUtc_StartsBeforeYearOne_InUtc_WithoutFailing()
    {
        // A fixed UTC+9 (the system's Asia/Tokyo has its local mean time, +9:18:59, in year 1).
        var plusNine = TimeZoneInfo.CreateCustomTimeZone("UTC+9", TimeSpan.FromHours(9), "UTC+9", "UTC+9");
        var day = Assign(Windows.Calendar(CalendarUnit.Day, plusNine), DateTimeOffset.MinValue);
        var week = Assign(Windows.Calendar(CalendarUnit.Week, plusNine, DayOfWeek.Sunday), DateTimeOffset.MinValue);

        day.End.Should().Be(new DateTimeOffset(1, 1, 1, 15, 0, 0, TimeSpan.Zero), because: "the second local day of year 1 starts at 15:00 UTC on the first");
        week.Start.Should().Be(DateTimeOffset.MinValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RecordsDatedInTheLastYear_AreTotalled_OnBothExecutors(bool streaming)
    {
        // "Never expires" sentinels: 9999-12-31 and DateTimeOffset.MaxValue.
        var events = new[]
        {
            new Ev("acct", new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), 1),
            new Ev("acct", DateTimeOffset.MaxValue, 2),
        };
        var results = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key).Window(Windows.Calendar(CalendarUnit.Year, TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles"))).Sum(e => e.Value)
            .To(Sinks.Collection(results));

        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        results.Should().ContainSingle().Which.Value.Should().Be(3);
    }

    [Fact]
    public void Calendar_NeedsATimeZone()
    {
        var act = () => Windows.Calendar(CalendarUnit.Day, null!);
        act.Should().Throw<ArgumentNullException>();
    }
}
