using Pipelines.Windowing;

namespace Pipelines;

/// <summary>Factories for <see cref="WindowAssigner"/>. Windows are aligned to the Unix epoch plus the offset.</summary>
public static class Windows
{
    /// <summary>The most sliding or cumulating windows one element may belong to.</summary>
    public const int MaxSlidingWindowsPerElement = 10_000;

    /// <summary>Fixed-size, non-overlapping windows <c>[offset + k·size, offset + (k+1)·size)</c>.</summary>
    /// <param name="size">Window length; must be positive.</param>
    /// <param name="offset">Shift of the window grid from the epoch; must be in <c>[0, size)</c>.</param>
    public static WindowAssigner Tumbling(TimeSpan size, TimeSpan offset = default)
    {
        RequirePositive(size, nameof(size));
        if (offset < TimeSpan.Zero || offset >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A tumbling window's offset must be in [0, size) = [0, {size}).");
        }

        return new TumblingWindows(size.Ticks, offset.Ticks);
    }

    /// <summary>Windows of length <paramref name="size"/> starting every <paramref name="slide"/>; an element belongs to ⌈size / slide⌉ or ⌊size / slide⌋ of them (exactly size / slide when the slide divides the size), at most 10,000.</summary>
    /// <param name="size">Window length; must be positive.</param>
    /// <param name="slide">Distance between window starts; must be positive and not larger than <paramref name="size"/>.</param>
    /// <param name="offset">Shift of the grid from the epoch; must be in <c>[0, slide)</c>.</param>
    public static WindowAssigner Sliding(TimeSpan size, TimeSpan slide, TimeSpan offset = default)
    {
        RequirePositive(size, nameof(size));
        RequirePositive(slide, nameof(slide));
        if (slide > size)
        {
            throw new ArgumentOutOfRangeException(nameof(slide), slide, $"A sliding window's slide must not be larger than its size ({size}); use Tumbling for slide == size, and sampling is not supported.");
        }

        if (offset < TimeSpan.Zero || offset >= slide)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A sliding window's offset must be in [0, slide) = [0, {slide}).");
        }

        if ((size.Ticks + slide.Ticks - 1) / slide.Ticks > MaxSlidingWindowsPerElement)
        {
            throw new ArgumentOutOfRangeException(nameof(slide), slide,
                $"A sliding window of {size} every {slide} puts each element into {(size.Ticks + slide.Ticks - 1) / slide.Ticks} windows; at most {MaxSlidingWindowsPerElement} are supported. Use a larger slide, or pre-aggregate into tumbling windows of the slide and combine those.");
        }

        return new SlidingWindows(size.Ticks, slide.Ticks, offset.Ticks);
    }

    /// <summary>
    /// Windows that grow by <paramref name="step"/> from a start every <paramref name="size"/> (Flink's CUMULATE):
    /// <c>[s, s + step)</c>, <c>[s, s + 2·step)</c>, …, <c>[s, s + size)</c> with <c>s = offset + k·size</c>. An element is in
    /// every window of its period that ends after it, so the windows give a running total that restarts every
    /// <paramref name="size"/> (today's count so far, every hour). The windows of a period share their start.
    /// </summary>
    /// <param name="step">How much a window grows each time; must be positive and divide <paramref name="size"/>.</param>
    /// <param name="size">The longest window, and the distance between starts; at most 10,000 steps.</param>
    /// <param name="offset">Shift of the grid from the epoch; must be in <c>[0, size)</c>.</param>
    public static WindowAssigner Cumulating(TimeSpan step, TimeSpan size, TimeSpan offset = default)
    {
        RequirePositive(step, nameof(step));
        RequirePositive(size, nameof(size));
        if (step > size || size.Ticks % step.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"A cumulating window's step must divide its size ({size}) a whole number of times.");
        }

        if (offset < TimeSpan.Zero || offset >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A cumulating window's offset must be in [0, size) = [0, {size}).");
        }

        if (size.Ticks / step.Ticks > MaxSlidingWindowsPerElement)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step,
                $"Cumulating windows of {size} in steps of {step} put an element into up to {size.Ticks / step.Ticks} windows; at most {MaxSlidingWindowsPerElement} are supported. Use a larger step.");
        }

        return new CumulatingWindows(step.Ticks, size.Ticks, offset.Ticks);
    }

    /// <summary>Per-key sessions that close after <paramref name="gap"/> without elements; overlapping sessions merge.</summary>
    /// <param name="gap">Inactivity gap; must be positive.</param>
    public static WindowAssigner Session(TimeSpan gap)
    {
        RequirePositive(gap, nameof(gap));
        return new SessionWindows(gap.Ticks);
    }

    /// <summary>One window over all time per key; it fires at end of input or through early triggers.</summary>
    public static WindowAssigner Global() => GlobalWindows.Instance;

    /// <summary>
    /// Tumbling windows along the calendar of <paramref name="timeZone"/>: local days, weeks, months or years from
    /// local midnight to local midnight, so an end-of-day report in Europe/Berlin covers the Berlin day — 23 or 25
    /// hours when the clocks change — without a hand-computed offset. Results carry the window as instants
    /// (<see cref="Window.Start"/> and <see cref="Window.End"/> in UTC).
    /// </summary>
    /// <param name="unit">Day, week, month or year.</param>
    /// <param name="timeZone">The calendar's time zone, e.g. <c>TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")</c>.</param>
    /// <param name="firstDayOfWeek">Where weeks start (default Monday, as in ISO 8601); used only for <see cref="CalendarUnit.Week"/>.</param>
    public static WindowAssigner Calendar(CalendarUnit unit, TimeZoneInfo timeZone, DayOfWeek firstDayOfWeek = DayOfWeek.Monday)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        if (!Enum.IsDefined(unit)) throw new ArgumentOutOfRangeException(nameof(unit), unit, "Use CalendarUnit.Day, Week, Month or Year.");
        return new CalendarWindows(unit, timeZone, firstDayOfWeek);
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"The window {name} must be positive.");
        }
    }
}
