using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// The one rule for late data, shared by windows, sessions and joins: state is kept until its cleanup time (its
/// last event time plus the allowed lateness); an element whose state would already be cleaned up is late — it is
/// counted, logged (rate-limited) and sent to the operator's late output when one is connected.
/// </summary>
internal static class Lateness
{
    /// <summary>When state whose last event time is <paramref name="maxTimestamp"/> is dropped.</summary>
    public static long CleanupTime(long maxTimestamp, long allowedLateness) => EventTime.SaturatingAdd(maxTimestamp, allowedLateness);

    /// <summary>True when state with cleanup time <paramref name="cleanupTime"/> no longer takes elements at <paramref name="watermark"/>.</summary>
    public static bool IsExpired(long cleanupTime, long watermark) => cleanupTime <= watermark;

    /// <summary>An element too late for all its state: counted, and sent to <paramref name="lateOutput"/> if connected.</summary>
    public static void Drop<T>(OperatorContext context, Output<T>? lateOutput, T value, long timestamp)
    {
        context.Counters.AddLateDropped(1);
        context.Telemetry.LateDropped();
        context.LateLog.Dropped(timestamp);
        lateOutput?.Emit(value, timestamp);
    }
}
