using Pipelines.Time;

namespace Pipelines.Windowing;

/// <summary>
/// Tumbling windows along a time zone's calendar: local days, weeks, months or years, each from local midnight to
/// the next boundary's local midnight, so a day is 23 or 25 hours long when the clocks change. The instants are
/// computed with <see cref="TimeZoneInfo"/>; a local midnight that does not exist (a change at midnight) starts at
/// the first local time after it.
/// </summary>
internal sealed class CalendarWindows(CalendarUnit unit, TimeZoneInfo zone, DayOfWeek firstDayOfWeek) : WindowAssigner
{
    public CalendarUnit Unit { get; } = unit;

    public TimeZoneInfo Zone { get; } = zone;

    internal override bool IsMerging => false;

    internal override int MaxWindowsPerElement => 1;

    internal override int AssignWindows(long timestamp, Span<Window> destination)
    {
        DateTimeOffset instant = EventTime.ToDateTimeOffset(timestamp);
        DateTime local = TimeZoneInfo.ConvertTime(instant, Zone).DateTime;
        DateTime start = Floor(local);
        DateTime end = Next(start);
        destination[0] = new Window(ToTicks(start), ToTicks(end));
        return 1;
    }

    private DateTime Floor(DateTime local) => Unit switch
    {
        CalendarUnit.Day => local.Date,
        CalendarUnit.Week => local.Date.AddDays(-(((int)local.DayOfWeek - (int)firstDayOfWeek + 7) % 7)),
        CalendarUnit.Month => new DateTime(local.Year, local.Month, 1),
        _ => new DateTime(local.Year, 1, 1),
    };

    private DateTime Next(DateTime start) => Unit switch
    {
        CalendarUnit.Day => start.AddDays(1),
        CalendarUnit.Week => start.AddDays(7),
        CalendarUnit.Month => start.AddMonths(1),
        _ => start.AddYears(1),
    };

    /// <summary>The instant of a local wall-clock time; a time skipped by a clock change moves to the end of the gap.</summary>
    private long ToTicks(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        TimeSpan offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);
        return EventTime.FromDateTimeOffset(new DateTimeOffset(local, offset));
    }

    public override string ToString() => $"Calendar({Unit}, {Zone.Id})";
}
