namespace Pipelines.Runtime;

/// <summary>
/// A first operator of a chain that can read its input straight from a source's own storage (the array or
/// list of <c>Sources.Enumerable</c>) instead of from a batch the source filled with a copy. The span is the
/// user's data: it is only read, never changed or kept after the call, and its elements have no event time yet.
/// </summary>
internal interface ISpanTarget<T>
{
    /// <summary>Elements without event times (<see cref="Time.EventTime.MinWatermark"/>); borrowed for the duration of the call.</summary>
    void OnSpan(ReadOnlySpan<T> values);
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
