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

        long perElement = SlidingWindows.WindowsPerElement(size.Ticks, slide.Ticks);
        if (perElement > MaxSlidingWindowsPerElement)
        {
            throw new ArgumentOutOfRangeException(nameof(slide), slide,
                $"A sliding window of {size} every {slide} puts each element into {perElement} windows; at most {MaxSlidingWindowsPerElement} are supported. Use a larger slide, or pre-aggregate into tumbling windows of the slide and combine those.");
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

    /// <summary>
    /// Windows of <paramref name="size"/> elements per key (Flink's <c>countWindow</c>): each key's elements, in the
    /// order they arrive, are cut into windows of <paramref name="size"/>, each emitted as soon as it is full. With
    /// <paramref name="slide"/> (smaller than the size), a window of the key's last <paramref name="size"/> elements is
    /// emitted after every <paramref name="slide"/> elements — the first ones hold fewer while the key has fewer.
    /// Needs no event time. A key's last window, not full, is emitted when the input ends (nothing is dropped);
    /// on an unbounded stream it waits for its elements.
    /// </summary>
    /// <remarks>
    /// Deterministic on both executors: a key's elements reach its worker in their order. A result's
    /// <see cref="WindowResult{TKey,TValue}.Window"/> spans its elements' event times (<c>[earliest, latest + 1 tick)</c>;
    /// the global window when the stream has no event time; <see cref="WindowResult{TKey,TValue}.PaneIndex"/> numbers the
    /// key's windows from zero), and the result carries its latest element's event time
    /// — or, when the watermark has already passed that, the moment just after the watermark, so that it is not late
    /// for a window downstream. Sliding count windows keep the key's last <paramref name="size"/> elements in state,
    /// tumbling ones only the accumulator; both are written at checkpoints. A trigger, allowed lateness or early
    /// results cannot be set on count windows: for a count combined with other triggers use
    /// <see cref="Global"/> with <see cref="WindowedStream{T,TKey}.Trigger"/>.
    /// </remarks>
    /// <param name="size">Elements per window; at least 1.</param>
    /// <param name="slide">Elements between two windows; from 1 to <paramref name="size"/> (default: the size, tumbling).</param>
    public static WindowAssigner Count(int size, int? slide = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        int step = slide ?? size;
        if (step < 1 || step > size)
        {
            throw new ArgumentOutOfRangeException(nameof(slide), slide, $"A count window's slide must be from 1 to its size ({size}).");
        }

        return new CountWindows(size, step);
    }

    /// <summary>
    /// Tumbling windows of processing time (Flink's <c>TumblingProcessingTimeWindows</c>): an element goes to the window
    /// of the moment it reaches the window operator by the run's clock (<c>TimeProvider</c> in the executor's options),
    /// whatever its event time, and each window emits its result when the clock passes its end. Needs no event time.
    /// </summary>
    /// <remarks>
    /// Under the streaming executor the clock is checked about four times per slide (at least every 250 ms and at most
    /// every millisecond), so a result comes out that long after its window ends at the latest. The bounded executor
    /// reads its input as fast as it can and has no clock ticks: elements still go to the window of the moment they are
    /// read, and every window emits when the input ends — as Flink does in batch mode. So a bounded run's windows say
    /// when the elements were processed; for results that depend only on the data, use event-time windows. Results carry
    /// the window's last instant as their event time. Triggers (<see cref="WindowedStream{T,TKey}.Trigger"/>) apply;
    /// allowed lateness does not (nothing is late for the clock).
    /// </remarks>
    /// <param name="size">Window length; positive.</param>
    /// <param name="offset">Shift of the grid from the epoch; in <c>[0, size)</c>.</param>
    public static WindowAssigner TumblingProcessingTime(TimeSpan size, TimeSpan offset = default) =>
        new ProcessingTimeWindows(Tumbling(size, offset), size.Ticks);

    /// <summary>
    /// Sliding windows of processing time: windows of <paramref name="size"/> starting every <paramref name="slide"/>
    /// of the run's clock, an element in each window that holds the moment it arrives. As
    /// <see cref="TumblingProcessingTime"/> otherwise, including what a bounded run means.
    /// </summary>
    /// <param name="size">Window length; positive.</param>
    /// <param name="slide">Distance between window starts; positive, at most <paramref name="size"/>.</param>
    /// <param name="offset">Shift of the grid from the epoch; in <c>[0, slide)</c>.</param>
    public static WindowAssigner SlidingProcessingTime(TimeSpan size, TimeSpan slide, TimeSpan offset = default) =>
        new ProcessingTimeWindows(Sliding(size, slide, offset), slide.Ticks);

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"The window {name} must be positive.");
        }
    }
}
