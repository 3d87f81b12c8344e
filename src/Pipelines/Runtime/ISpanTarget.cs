namespace Pipelines.Runtime;

/// <summary>
/// An operator that can read its input straight from a source's own storage (the array or list of
/// <c>Sources.Enumerable</c>) instead of from a batch filled with a copy: the first operator of a chain, or the one
/// after an event-time assignment that timed the span in place. The span is the user's data: it is only read,
/// never changed or kept after the call.
/// </summary>
internal interface ISpanTarget<T>
{
    /// <summary>Elements and their event times (<see cref="NoTimestamps"/> before any assignment); both borrowed for the duration of the call.</summary>
    void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps);
}

/// <summary>The event times of elements a source did not time: a shared, read-only run of <see cref="Time.EventTime.MinWatermark"/>.</summary>
internal static class NoTimestamps
{
    private static long[] _times = [];

    /// <summary><paramref name="count"/> times, all <see cref="Time.EventTime.MinWatermark"/>. Never written to.</summary>
    public static ReadOnlySpan<long> Get(int count)
    {
        var times = Volatile.Read(ref _times);
        if (times.Length < count)
        {
            times = new long[Math.Max(count, 1024)];
            times.AsSpan().Fill(Time.EventTime.MinWatermark);
            Volatile.Write(ref _times, times);
        }

        return new ReadOnlySpan<long>(times, 0, count);
    }
}
