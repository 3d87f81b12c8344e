using Pipelines.Time;

namespace Pipelines;

/// <summary>
/// A half-open event-time interval <c>[Start, End)</c>. An element with timestamp <c>t</c> belongs to it
/// when <c>Start &lt;= t &lt; End</c>. The window fires when the watermark reaches <c>End − 1 tick</c>.
/// </summary>
public readonly struct Window : IEquatable<Window>, IComparable<Window>
{
    internal Window(long startTicks, long endTicks)
    {
        StartTicks = startTicks;
        EndTicks = endTicks;
    }

    /// <summary>Creates a window from its bounds.</summary>
    /// <param name="start">Inclusive start.</param>
    /// <param name="end">Exclusive end; must be after <paramref name="start"/>.</param>
    public Window(DateTimeOffset start, DateTimeOffset end)
    {
        if (end <= start) throw new ArgumentException("A window's end must be after its start.", nameof(end));
        StartTicks = EventTime.FromDateTimeOffset(start);
        EndTicks = EventTime.FromDateTimeOffset(end);
    }

    internal long StartTicks { get; }

    internal long EndTicks { get; }

    /// <summary>The last timestamp inside the window, <c>End − 1 tick</c>; results carry it as their event time.</summary>
    internal long MaxTimestamp => EndTicks - 1;

    /// <summary>Inclusive start (clamped to <see cref="DateTimeOffset.MinValue"/> for the global window).</summary>
    public DateTimeOffset Start => EventTime.ToDateTimeOffset(StartTicks);

    /// <summary>Exclusive end (clamped to <see cref="DateTimeOffset.MaxValue"/> for the global window).</summary>
    public DateTimeOffset End => EventTime.ToDateTimeOffset(EndTicks);

    /// <summary>The window's length.</summary>
    public TimeSpan Size => EndTicks == long.MaxValue || StartTicks == long.MinValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(EndTicks - StartTicks);

    /// <summary>Whether <paramref name="timestamp"/> falls inside <c>[Start, End)</c>.</summary>
    /// <param name="timestamp">An event time.</param>
    public bool Contains(DateTimeOffset timestamp)
    {
        long t = EventTime.FromDateTimeOffset(timestamp);
        return StartTicks <= t && t < EndTicks;
    }

    /// <inheritdoc />
    public bool Equals(Window other) => StartTicks == other.StartTicks && EndTicks == other.EndTicks;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Window w && Equals(w);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StartTicks, EndTicks);

    /// <summary>Orders by end, then start: the order in which windows fire.</summary>
    /// <param name="other">The other window.</param>
    public int CompareTo(Window other)
    {
        int c = EndTicks.CompareTo(other.EndTicks);
        return c != 0 ? c : StartTicks.CompareTo(other.StartTicks);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(Window left, Window right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Window left, Window right) => !left.Equals(right);

    /// <summary>Ordering by end, then start.</summary>
    public static bool operator <(Window left, Window right) => left.CompareTo(right) < 0;

    /// <summary>Ordering by end, then start.</summary>
    public static bool operator >(Window left, Window right) => left.CompareTo(right) > 0;

    /// <summary>Ordering by end, then start.</summary>
    public static bool operator <=(Window left, Window right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering by end, then start.</summary>
    public static bool operator >=(Window left, Window right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() => $"[{EventTime.Format(StartTicks)}, {EventTime.Format(EndTicks)})";
}
