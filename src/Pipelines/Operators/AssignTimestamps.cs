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
    private int _failedAt;

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
        int start = dst.Count, i = 0;
        while (i < values.Length)
        {
            int from = i, buffered = dst.Count;
            try
            {
                i = CopyWithTimes(values, i, dst);
            }
            catch (Exception ex)
            {
                // Every element before the failing one is in the buffer.
                i = _failedAt;
                dst.Count = buffered + (i - from);
                Context.Errors.Handle(ex, values[i], EventTime.MinWatermark);
                i++;
            }
        }

        int n = dst.Count;
        if (Context.Streaming) tracker.OnBatch(new ReadOnlySpan<T>(dst.Values, start, n - start), new ReadOnlySpan<long>(dst.Timestamps, start, n - start));
        Output.Flush();
    }

    /// <summary>
    /// Appends <paramref name="values"/> from <paramref name="from"/> on with their event times; returns the end.
    /// No exception handler in the loop, so its counters stay in registers: a failing element is found through
    /// <see cref="_failedAt"/>; the buffer's count is set only at the end.
    /// </summary>
    private int CopyWithTimes(ReadOnlySpan<T> values, int from, Batch<T> dst)
    {
        T[] outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int n = dst.Count;
        if ((uint)(n + values.Length - from) > (uint)outValues.Length || outStamps.Length < outValues.Length) throw new ArgumentOutOfRangeException(nameof(values));
        for (int i = from; i < values.Length; i++)
        {
            _failedAt = i;
            outStamps[n] = EventTime.FromDateTimeOffset(timestampOf(values[i]));
            outValues[n] = values[i];
            n++;
        }

        dst.Count = n;
        return values.Length;
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
