using System.Runtime.CompilerServices;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// The per-element loops of <see cref="AssignTimestamps{T}"/>, apart so that each time function gets its own copy
/// of them (<see cref="CallSites"/>), specialized for how it takes its element (<see cref="IFunctionKind"/>). Neither
/// loop has an exception handler, so its counters stay in registers: a failing element is found through
/// <see cref="FailedAt"/>.
/// </summary>
internal abstract class EventTimeLoop<T>
{
    /// <summary>Index of the element the running loop is at: where the time function threw.</summary>
    public int FailedAt;

    /// <summary>The loops for <paramref name="timeOf"/>, on its call site.</summary>
    public static EventTimeLoop<T> Create(ElementFunction<T, DateTimeOffset> timeOf) =>
        CallSites.Create<Factory, EventTimeLoop<T>>(timeOf.Delegate, new Factory(timeOf));

    /// <summary>The event time of one element (outside the loops: an element with an origin to keep).</summary>
    public abstract long TimeOf(in T value);

    /// <summary>Writes the event times of the elements from <paramref name="from"/> on into <paramref name="times"/> (same indexes); returns the length.</summary>
    public abstract int TimeRun(ReadOnlySpan<T> values, int from, long[] times);

    /// <summary>
    /// Sets the event times of the elements in [<paramref name="from"/>, <paramref name="end"/>) and moves them down to
    /// <paramref name="n"/> when earlier elements were left out. Returns the new count.
    /// </summary>
    public abstract int AssignRun(T[] values, long[] stamps, int from, int end, int n);

    private readonly struct Factory(ElementFunction<T, DateTimeOffset> timeOf) : ISiteFactory<EventTimeLoop<T>>
    {
        public EventTimeLoop<T> Create<TSite>()
            where TSite : struct => timeOf.Apply<User<TSite>, EventTimeLoop<T>>(default);
    }

    private readonly struct User<TSite> : IFunctionUser<EventTimeLoop<T>>
        where TSite : struct
    {
        public EventTimeLoop<T> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new EventTimeLoop<T, TSite, TKind>(function);
    }
}

/// <summary>The loops on call site <typeparamref name="TSite"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TSite">The call site of the time function: only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the time function takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class EventTimeLoop<T, TSite, TKind>(Delegate timeOf) : EventTimeLoop<T>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<T, DateTimeOffset>? _byValue = timeOf as Func<T, DateTimeOffset>;
    private readonly InFunc<T, DateTimeOffset>? _byReference = timeOf as InFunc<T, DateTimeOffset>;

    public override long TimeOf(in T value) =>
        EventTime.FromDateTimeOffset(typeof(TKind) == typeof(ByValue) ? _byValue!(value) : _byReference!(in value));

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override int TimeRun(ReadOnlySpan<T> values, int from, long[] times)
    {
        var byValue = _byValue;
        var byReference = _byReference;
        for (int i = from; i < values.Length; i++)
        {
            FailedAt = i;
            times[i] = EventTime.FromDateTimeOffset(typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]));
        }

        return values.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override int AssignRun(T[] values, long[] stamps, int from, int end, int n)
    {
        var byValue = _byValue;
        var byReference = _byReference;
        for (int i = from; i < end; i++)
        {
            FailedAt = i;
            stamps[n] = EventTime.FromDateTimeOffset(typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]));

            // A value only moves when an earlier element was left out (no self-copy of large values).
            if (n != i) values[n] = values[i];
            n++;
        }

        return n;
    }
}
