using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Sets each element's event time from the user's selector and, under the streaming executor, derives the
/// watermark from them. The watermark is emitted on processing-time ticks (the source's watermark interval,
/// and whenever the source is about to wait) and when an upstream watermark arrives, never backwards.
/// Upstream watermark values are replaced by this one, except the final +∞ at end of input. The bounded executor emits no watermark before the end: nothing is ever late there.
/// </summary>
internal sealed class AssignTimestamps<T>(Func<T, DateTimeOffset> timestampOf, WatermarkTracker<T> tracker, Output<T> output, OperatorContext context)
    : StatelessOperator<T, T>(output, context), ISpanTarget<T>
{
    private long _emitted = EventTime.MinWatermark;

    /// <summary>The watermark this instance has emitted so far, read by the watermark gauges.</summary>
    public long Emitted => Volatile.Read(ref _emitted);

    public override void OnBatch(Batch<T> batch)
    {
        // The only reader of the batch: set the event times in place and pass the same batch on.
        int count = batch.Count;
        var dst = batch.Exclusive ? batch : Output.Reserve(count);
        if (ReferenceEquals(dst, batch)) dst.Count = 0;
        T[] values = batch.Values, outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int start = dst.Count, n = start, i = 0;
        bool inPlace = ReferenceEquals(dst, batch);
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    outStamps[n] = EventTime.FromDateTimeOffset(timestampOf(values[i]));

                    // In place, a value only moves when an earlier element was skipped (no self-copy of large values).
                    if (!inPlace || n != i) outValues[n] = values[i];
                    n++;
                }

                break;
            }
            catch (Exception ex)
            {
                dst.Count = n;
                Context.Errors.Handle(ex, values[i], EventTime.MinWatermark);
                i++;
            }
        }

        dst.Count = n;
        if (Context.Streaming) tracker.OnBatch(new ReadOnlySpan<T>(outValues, start, n - start), new ReadOnlySpan<long>(outStamps, start, n - start));
        if (ReferenceEquals(dst, batch)) Output.Forward(batch);
        else Output.Flush();
    }

    public void OnSpan(ReadOnlySpan<T> values)
    {
        // The source's own storage: one pass copies each element and its new event time into the buffer.
        var dst = Output.Reserve(values.Length);
        T[] outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int count = values.Length, start = dst.Count, n = start, i = 0;
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    T value = values[i];
                    outStamps[n] = EventTime.FromDateTimeOffset(timestampOf(value));
                    outValues[n] = value;
                    n++;
                }

                break;
            }
            catch (Exception ex)
            {
                dst.Count = n;
                Context.Errors.Handle(ex, values[i], EventTime.MinWatermark);
                i++;
            }
        }

        dst.Count = n;
        if (Context.Streaming) tracker.OnBatch(new ReadOnlySpan<T>(outValues, start, n - start), new ReadOnlySpan<long>(outStamps, start, n - start));
        Output.Flush();
    }

    public override void OnWatermark(long watermark)
    {
        if (watermark == EventTime.MaxWatermark) Output.Watermark(watermark);
        else EmitIfAdvanced();
    }

    public override void OnProcessingTime(long utcTicks)
    {
        EmitIfAdvanced();
        Output.ProcessingTime(utcTicks);
    }

    private void EmitIfAdvanced()
    {
        if (!Context.Streaming) return;
        tracker.OnPeriodic();
        if (tracker.Current > _emitted)
        {
            Volatile.Write(ref _emitted, tracker.Current);
            Output.Watermark(tracker.Current);
        }
    }
}
