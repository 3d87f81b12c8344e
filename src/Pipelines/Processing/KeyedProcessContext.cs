using Pipelines.Time;

namespace Pipelines;

/// <summary>
/// What a <see cref="KeyedProcessFunction{TKey,TIn,TResult}"/> sees during a call: the key, the times, where results
/// go and the key's timers. Valid only during the call it is passed to.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class KeyedProcessContext<TKey, TResult>
    where TKey : notnull
{
    private readonly IKeyedProcessRuntime<TKey, TResult> _runtime;

    internal KeyedProcessContext(IKeyedProcessRuntime<TKey, TResult> runtime) => _runtime = runtime;

    /// <summary>The key being processed.</summary>
    public TKey Key => _runtime.CurrentKey;

    /// <summary>
    /// The event time of the element being processed, or the time of the event-time timer that fired; for a
    /// processing-time timer, the current watermark. <see cref="DateTimeOffset.MinValue"/> when the stream has no event time.
    /// </summary>
    public DateTimeOffset Timestamp => EventTime.ToDateTimeOffset(_runtime.CurrentTimestamp);

    /// <summary>The stage's input watermark: no element at or before it is expected any more (except late ones).</summary>
    public DateTimeOffset Watermark => EventTime.ToDateTimeOffset(_runtime.Watermark);

    /// <summary>The run's clock.</summary>
    public DateTimeOffset ProcessingTime => _runtime.Clock.GetUtcNow();

    /// <summary>Emits a result with <see cref="Timestamp"/> as its event time.</summary>
    /// <param name="result">The result.</param>
    public void Emit(TResult result) => _runtime.Emit(result, _runtime.CurrentTimestamp);

    /// <summary>Emits a result with an event time of your choice.</summary>
    /// <param name="result">The result.</param>
    /// <param name="timestamp">Its event time.</param>
    public void Emit(TResult result, DateTimeOffset timestamp) => _runtime.Emit(result, EventTime.FromDateTimeOffset(timestamp));

    /// <summary>Registers an event-time timer for the current key; registering the same time twice gives one timer.</summary>
    /// <param name="time">When the watermark reaches this time, <c>OnTimer</c> is called.</param>
    public void RegisterEventTimeTimer(DateTimeOffset time) => _runtime.Register(TimeDomain.EventTime, EventTime.FromDateTimeOffset(time));

    /// <summary>Deletes an event-time timer of the current key; false when there was none at that time.</summary>
    /// <param name="time">The time it was registered for.</param>
    public bool DeleteEventTimeTimer(DateTimeOffset time) => _runtime.Delete(TimeDomain.EventTime, EventTime.FromDateTimeOffset(time));

    /// <summary>Registers a processing-time timer for the current key; registering the same time twice gives one timer.</summary>
    /// <param name="time">When the run's clock reaches this time, <c>OnTimer</c> is called.</param>
    public void RegisterProcessingTimeTimer(DateTimeOffset time) => _runtime.Register(TimeDomain.ProcessingTime, time.UtcTicks);

    /// <summary>Deletes a processing-time timer of the current key; false when there was none at that time.</summary>
    /// <param name="time">The time it was registered for.</param>
    public bool DeleteProcessingTimeTimer(DateTimeOffset time) => _runtime.Delete(TimeDomain.ProcessingTime, time.UtcTicks);
}

/// <summary>The operator behind a <see cref="KeyedProcessContext{TKey,TResult}"/>.</summary>
internal interface IKeyedProcessRuntime<TKey, TResult>
    where TKey : notnull
{
    TKey CurrentKey { get; }

    long CurrentTimestamp { get; }

    long Watermark { get; }

    TimeProvider Clock { get; }

    void Emit(TResult result, long timestamp);

    void Register(TimeDomain domain, long time);

    bool Delete(TimeDomain domain, long time);
}
