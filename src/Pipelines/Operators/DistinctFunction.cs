namespace Pipelines.Operators;

/// <summary>
/// <c>Distinct</c>: passes an element when its key has not passed one within the horizon before it (by event
/// time); without a horizon, only the first element of each key. With a horizon the key's state is dropped by an
/// event-time timer once the horizon has passed, so memory follows the keys seen within the horizon; the decision
/// compares event times, so it does not depend on when that timer fires.
/// </summary>
internal sealed class DistinctFunction<TKey, T>(TimeSpan? within) : KeyedProcessFunction<TKey, T, T>
    where TKey : notnull
{
    private ValueState<DateTimeOffset> _lastPassed = null!;

    public override void Open(KeyedStateRegistry state) => _lastPassed = state.Value<DateTimeOffset>("last-passed");

    public override void ProcessElement(T element, KeyedProcessContext<TKey, T> context)
    {
        if (_lastPassed.HasValue)
        {
            if (within is not { } horizon) return;
            DateTimeOffset last = _lastPassed.Value;
            if (context.Timestamp - last < horizon) return;
            context.DeleteEventTimeTimer(SaturatingAdd(last, horizon));
        }

        _lastPassed.Value = context.Timestamp;
        if (within is { } h) context.RegisterEventTimeTimer(SaturatingAdd(context.Timestamp, h));
        context.Emit(element);
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<TKey, T> context) => _lastPassed.Clear();

    private static DateTimeOffset SaturatingAdd(DateTimeOffset time, TimeSpan span) =>
        DateTimeOffset.MaxValue - time < span ? DateTimeOffset.MaxValue : time + span;
}
