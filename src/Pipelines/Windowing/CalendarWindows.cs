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
        long startTicks = ToTicks(start), endTicks = EndTicks(start);

        // Past the last local midnight the calendar can write (east of UTC at the end of year 9999) or before the
        // first (west of UTC at the start of year 1) the local time was clamped: the instant gets the open-ended
        // window beyond that boundary.
        if (timestamp >= endTicks) (startTicks, endTicks) = (endTicks, long.MaxValue);
        else if (timestamp < startTicks) (startTicks, endTicks) = (long.MinValue, startTicks);
        destination[0] = new Window(startTicks, endTicks);
        return 1;
    }

    /// <summary>
    /// The instant the window starting at <paramref name="start"/> ends. The last day, week, month or year of the
    /// calendar (9999) ends past <see cref="DateTime.MaxValue"/>: that end is counted in ticks from the last
    /// representable local time, so an element at <see cref="DateTimeOffset.MaxValue"/> has a window too.
    /// </summary>
    private long EndTicks(DateTime start)
    {
        long localEnd = Unit switch
        {
            CalendarUnit.Day => start.Ticks + TimeSpan.TicksPerDay,
            CalendarUnit.Week => start.Ticks + (7 * TimeSpan.TicksPerDay),
            CalendarUnit.Month => start.Year == DateTime.MaxValue.Year && start.Month == 12 ? DateTime.MaxValue.Ticks + 1 : start.AddMonths(1).Ticks,
            _ => start.Year == DateTime.MaxValue.Year ? DateTime.MaxValue.Ticks + 1 : start.AddYears(1).Ticks,
        };

        if (localEnd <= DateTime.MaxValue.Ticks) return ToTicks(new DateTime(localEnd));
        return localEnd - Zone.GetUtcOffset(DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Unspecified)).Ticks - EventTime.UnixEpochTicks;
    }

    private DateTime Floor(DateTime local) => Unit switch
    {
        CalendarUnit.Day => local.Date,
        // The first week of the calendar starts on year 1's first day when the week's first day would be before it.
        CalendarUnit.Week => new DateTime(Math.Max(0, local.Date.Ticks - ((((int)local.DayOfWeek - (int)firstDayOfWeek + 7) % 7) * TimeSpan.TicksPerDay))),
        CalendarUnit.Month => new DateTime(local.Year, local.Month, 1),
        _ => new DateTime(local.Year, 1, 1),
    };

    /// <summary>The instant of a local wall-clock time; a time skipped by a clock change moves to the end of the gap.</summary>
    private long ToTicks(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        TimeSpan offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);

        // Computed rather than through a DateTimeOffset, which refuses a local midnight whose UTC instant falls
        // outside years 1 to 9999 (the first day east of UTC, the last one west of it).
        return local.Ticks - offset.Ticks - EventTime.UnixEpochTicks;
    }

    public override string ToString() => $"Calendar({Unit}, {Zone.Id})";
}
