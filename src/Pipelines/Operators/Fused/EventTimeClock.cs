using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// The watermark of a fused run that starts with <c>WithEventTime</c> (<see cref="EventTimeStep{T, TSite, TKind}"/>),
/// for a strategy that only needs the largest event time seen (bounded out-of-orderness): the step keeps that
/// maximum, the run hands it to the tracker after each batch, and control signals reach the run's output as they
/// would through the <see cref="AssignTimestamps{T}"/> operator — an upstream watermark is replaced by this one
/// (except the final +∞), and the watermark is emitted on processing-time ticks, never backwards.
/// One per worker's run, shared by both copies of its steps (with and without origins).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class EventTimeClock<T>(BoundedOutOfOrdernessTracker<T> tracker, bool watermarksDuringRun)
{
    /// <summary>The largest event time the step has computed (written per element by the step).</summary>
    public long Max = long.MinValue;

    private long _emitted = EventTime.MinWatermark;

    /// <summary>The watermark emitted so far, read by the watermark gauges.</summary>
    public long Emitted => Volatile.Read(ref _emitted);

    /// <summary>After a batch: the tracker takes the largest event time seen.</summary>
    public void Observe()
    {
        if (watermarksDuringRun) tracker.OnMax(Max);
    }

    /// <summary>An upstream watermark: the final one passes, any other is replaced by this run's own.</summary>
    public void OnWatermark(long watermark, IOutput output)
    {
        if (watermark == EventTime.MaxWatermark) output.Watermark(watermark);
        else EmitIfAdvanced(output);
    }

    /// <summary>A processing-time tick: the watermark goes out when it advanced.</summary>
    public void OnProcessingTime(IOutput output) => EmitIfAdvanced(output);

    private void EmitIfAdvanced(IOutput output)
    {
        if (!watermarksDuringRun) return;
        tracker.OnPeriodic();
        if (tracker.Current > _emitted)
        {
            Volatile.Write(ref _emitted, tracker.Current);
            output.Watermark(tracker.Current);
        }
    }
}
