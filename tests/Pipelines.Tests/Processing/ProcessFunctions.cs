using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

/// <summary>Running total per key: one result per element, the key's sum so far.</summary>
internal sealed class RunningTotal : KeyedProcessFunction<string, Ev, (string Key, long Total)>
{
    private ValueState<long> _total = null!;

    public override void Open(KeyedStateRegistry state) => _total = state.Value<long>("total");

    public override void ProcessElement(Ev element, KeyedProcessContext<string, (string Key, long Total)> context)
    {
        _total.Value += element.Value;
        context.Emit((context.Key, _total.Value));
    }
}

/// <summary>
/// Drops an element whose id was seen less than <c>horizon</c> before (by event time). The state is cleared by an
/// event-time timer once the horizon has passed, so memory stays bounded; the decision itself compares event
/// times, so it does not depend on when the timer fires (bounded and streaming runs agree).
/// </summary>
internal sealed class Deduplicate(TimeSpan horizon) : KeyedProcessFunction<string, Ev, Ev>
{
    private ValueState<DateTimeOffset> _lastEmitted = null!;

    public override void Open(KeyedStateRegistry state) => _lastEmitted = state.Value<DateTimeOffset>("last-emitted");

    public override void ProcessElement(Ev element, KeyedProcessContext<string, Ev> context)
    {
        if (_lastEmitted.HasValue && element.Time - _lastEmitted.Value < horizon) return;
        if (_lastEmitted.HasValue) context.DeleteEventTimeTimer(_lastEmitted.Value + horizon);
        _lastEmitted.Value = element.Time;
        context.RegisterEventTimeTimer(element.Time + horizon);
        context.Emit(element);
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, Ev> context) => _lastEmitted.Clear();
}

/// <summary>
/// Alerts once for every gap of at least <c>timeout</c> (event time) in a key's activity: from the timer when the
/// watermark passes the last element plus the timeout, or — when the next element comes first, as in a batch —
/// from that element.
/// </summary>
internal sealed class InactivityAlert(TimeSpan timeout) : KeyedProcessFunction<string, Ev, string>
{
    private ValueState<DateTimeOffset> _lastSeen = null!;

    public override void Open(KeyedStateRegistry state) => _lastSeen = state.Value<DateTimeOffset>("last-seen");

    public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
    {
        if (_lastSeen.HasValue)
        {
            DateTimeOffset last = _lastSeen.Value;
            context.DeleteEventTimeTimer(last + timeout);
            if (element.Time - last >= timeout) context.Emit(Alert(context.Key, last), last + timeout);
        }

        _lastSeen.Value = element.Time;
        context.RegisterEventTimeTimer(element.Time + timeout);
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context)
    {
        context.Emit(Alert(context.Key, _lastSeen.Value));
        _lastSeen.Clear();
    }

    public static string Alert(string key, DateTimeOffset last) => $"{key} idle since {(last - Ev.T0).TotalSeconds}s";
}
