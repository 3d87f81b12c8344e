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

    [Fact]
    public void Calendar_NeedsATimeZone()
    {
        var act = () => Windows.Calendar(CalendarUnit.Day, null!);
        act.Should().Throw<ArgumentNullException>();
    }
}
