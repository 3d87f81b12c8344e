namespace Pipelines;

/// <summary>
/// When a window emits a result (a pane), set with <see cref="WindowedStream{T,TKey}.Trigger"/>. Made with
/// <see cref="Triggers"/> and combined with <see cref="Or"/>: <c>Triggers.Count(100).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(5)))</c>
/// fires after every 100 elements of a window or every 5 seconds, whichever comes first. Immutable.
/// </summary>
/// <remarks>
/// A trigger replaces the default one (<see cref="Triggers.Watermark"/>: one pane when the watermark passes the
/// window's end). Elements that no pane has shown yet are never dropped: when the watermark passes the end of a
/// window (for <see cref="Windows.Global"/>, the end of input) whose trigger does not fire on the watermark, a last
/// pane is emitted if elements came since the previous one (Beam's final pane). Panes before that are
/// <see cref="PaneTiming.Early"/>, that one and the watermark's <see cref="PaneTiming.OnTime"/>.
/// <para>
/// Count triggers fire on both executors: a key's elements reach its window in the same order, so the panes are
/// the same. Processing-time triggers fire only under the streaming executor (the bounded one has no clock ticks;
/// it emits the count panes and the last one).
/// </para>
/// </remarks>
public sealed class Trigger
{
    internal Trigger(int everyCount, TimeSpan? everyInterval, bool onWatermark, bool purging)
    {
        EveryCount = everyCount;
        EveryInterval = everyInterval;
        OnWatermark = onWatermark;
        IsPurging = purging;
    }

    internal int EveryCount { get; }

    internal TimeSpan? EveryInterval { get; }

    internal bool OnWatermark { get; }

    /// <summary>Whether each pane holds only the elements since the previous pane (<see cref="Purging"/>) rather than all of the window's so far.</summary>
    public bool IsPurging { get; }

    /// <summary>
    /// Fires when either trigger would. Two counts make the smaller count (each pane starts the count again), two
    /// intervals the shorter interval. Purging when either is.
    /// </summary>
    /// <param name="other">The other trigger.</param>
    public Trigger Or(Trigger other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int count = EveryCount == 0 ? other.EveryCount : other.EveryCount == 0 ? EveryCount : Math.Min(EveryCount, other.EveryCount);
        TimeSpan? interval = EveryInterval is { } a ? (other.EveryInterval is { } b && b < a ? b : a) : other.EveryInterval;
        return new Trigger(count, interval, OnWatermark || other.OnWatermark, IsPurging || other.IsPurging);
    }

    /// <summary>
    /// The same trigger, and each pane then starts the window again: its value holds only the elements since the
    /// previous pane (Flink's <c>PurgingTrigger</c>, Beam's discarding mode). The default is accumulating: each pane
    /// holds all of the window's elements so far.
    /// </summary>
    public Trigger Purging() => new(EveryCount, EveryInterval, OnWatermark, purging: true);

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (EveryCount > 0) parts.Add($"Count({EveryCount})");
        if (EveryInterval is { } interval) parts.Add($"ProcessingTime({interval})");
        if (OnWatermark) parts.Add("Watermark");
        return string.Join(" or ", parts) + (IsPurging ? ", purging" : "");
    }
}
