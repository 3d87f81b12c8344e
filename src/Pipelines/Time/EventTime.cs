namespace Pipelines.Time;

/// <summary>
/// Conversions between the public <see cref="DateTimeOffset"/> and the internal event-time scale:
/// <see cref="long"/> ticks (100 ns) relative to the Unix epoch, so windows align to 1970-01-01 like
/// Flink and Beam, and timestamps before 1970 are negative.
/// </summary>
internal static class EventTime
{
    /// <summary>The watermark before any element: nothing is known yet.</summary>
    public const long MinWatermark = long.MinValue;

    /// <summary>The watermark at end of input: every window can fire.</summary>
    public const long MaxWatermark = long.MaxValue;

    internal static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;
    /// <summary>The earliest instant an element can have (<see cref="DateTimeOffset.MinValue"/>).</summary>
    internal static readonly long MinTicks = DateTimeOffset.MinValue.UtcTicks - UnixEpochTicks;
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks - UnixEpochTicks;

    public static long FromDateTimeOffset(DateTimeOffset value) => value.UtcTicks - UnixEpochTicks;

    public static DateTimeOffset ToDateTimeOffset(long ticks)
    {
        if (ticks <= MinTicks) return DateTimeOffset.MinValue;
        if (ticks >= MaxTicks) return DateTimeOffset.MaxValue;
        return new DateTimeOffset(ticks + UnixEpochTicks, TimeSpan.Zero);
    }

    /// <summary>Largest multiple-of-<paramref name="size"/> boundary (shifted by <paramref name="offset"/>) not after <paramref name="timestamp"/>; correct for negative timestamps.</summary>
    public static long FloorToBoundary(long timestamp, long size, long offset)
    {
        long remainder = (timestamp - offset) % size;
        if (remainder < 0) remainder += size;
        return timestamp - remainder;
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/>, clamped to the range of <see cref="long"/>.</summary>
    public static long SaturatingAdd(long a, long b)
    {
        long r = unchecked(a + b);
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
        return r;
    }

    public static string Format(long ticks) => ticks switch
    {
        MinWatermark => "-inf",
        MaxWatermark => "+inf",
        _ => ToDateTimeOffset(ticks).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture),
    };
}
