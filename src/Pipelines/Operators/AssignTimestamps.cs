using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Sets each element's event time from the user's selector and, under the streaming executor, derives the
/// watermark from them. The watermark is emitted on processing-time ticks (the source's watermark interval,
/// and whenever the source is about to wait) and when an upstream watermark arrives, never backwards.
/// Upstream watermark values are replaced by this one, except the final +∞ at end of input. The bounded executor emits no watermark before the end: nothing is ever late there.
/// </summary>
internal sealed class AssignTimestamps<T>(ElementFunction<T, DateTimeOffset> timestampOf, WatermarkTracker<T> tracker, Output<T> output, OperatorContext context)
    : StatelessOperator<T, T>(output, context), ISpanTarget<T>
{
    private readonly EventTimeLoop<T> _loop = EventTimeLoop<T>.Create(timestampOf);
    private long _emitted = EventTime.MinWatermark;

    /// <summary>Event times of the span being timed in place (see <see cref="TimeInPlace"/>).</summary>
    private long[] _times = [];

    /// <summary>The watermark this instance has emitted so far, read by the watermark gauges.</summary>
    public long Emitted => Volatile.Read(ref _emitted);

    public override void OnBatch(Batch<T> batch)
    {
        if (batch.HasOrigins)
        {
            OnTracked(batch);
            return;
        }

        if (batch.Exclusive)
        {
            // The only reader of the batch: set the event times in place and pass the same batch on.
            int count = batch.Count;
            batch.Count = 0;
            Assign(batch, count);
            Output.Forward(batch);
            return;
        }

        var dst = Output.Reserve(batch.Count);
        Array.Copy(batch.Values, 0, dst.Values, dst.Count, batch.Count);
        Assign(dst, batch.Count);
        Output.Flush();
    }

    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        if (Output.CanSendSpan)
        {
            TimeInPlace(values);
            return;
        }

        // The source's own storage: one bulk copy into the buffer (it reads memory faster than an element loop,
        // and faster in one piece than in cache-sized chunks), then the event times are set in place.
        var dst = Output.Reserve(values.Length);
        values.CopyTo(dst.Values.AsSpan(dst.Count));
        Assign(dst, values.Length);
        Output.Flush();
    }

    /// <summary>
    /// The next operator reads spans too: the source's elements are timed where they are and handed on with their
    /// times, without copying them (large structs with references cost a copy and a write barrier per reference).
    /// An element whose time cannot be computed is handled by the error policy and left out: the elements before
    /// and after it go on as separate spans.
    /// </summary>
    private void TimeInPlace(ReadOnlySpan<T> values)
    {
        if (_times.Length < values.Length) _times = new long[Math.Max(values.Length, Context.BatchSize)];
        int from = 0;
        while (from < values.Length)
        {
            int end;
            Exception? error = null;
            try
            {
                end = _loop.TimeRun(values, from, _times);
            }
            catch (Exception ex)
            {
                error = ex;
                end = _loop.FailedAt;
            }

            if (end > from)
            {
                var timed = values[from..end];
                var times = new ReadOnlySpan<long>(_times, from, end - from);
                if (Context.Policy.WatermarksDuringRun) tracker.OnBatch(timed, times);
                Output.SendSpan(timed, times);
            }

            if (error is not null)
            {
                Context.Errors.Handle(error, values[end], EventTime.MinWatermark);
                end++;
            }

            from = end;
        }
    }

    /// <summary>
    /// Sets the event times of the <paramref name="count"/> elements after <c>batch.Count</c> and appends them to
    /// the batch: an element whose time cannot be computed is handled by the error policy and left out (later
    /// ones move down over it).
    /// </summary>
    private void Assign(Batch<T> batch, int count)
    {
        int start = batch.Count, end = start + count, i = start;
        while (i < end)
        {
            int from = i;
            try
            {
                batch.Count = _loop.AssignRun(batch.Values, batch.Timestamps, from, end, batch.Count);
                i = end;
            }
            catch (Exception ex)
            {
                // Every element before the failing one is in place.
                i = _loop.FailedAt;
                batch.Count += i - from;
                Context.Errors.Handle(ex, batch.Values[i], EventTime.MinWatermark);
                i++;
            }
        }

        if (Context.Policy.WatermarksDuringRun) tracker.OnBatch(new ReadOnlySpan<T>(batch.Values, start, batch.Count - start), new ReadOnlySpan<long>(batch.Timestamps, start, batch.Count - start));
    }

    /// <summary>A batch on its way to an exchange that drops elements read twice: each element keeps its origin.</summary>
    private void OnTracked(Batch<T> batch)
    {
        T[] values = batch.Values;
        ElementOrigin[] origins = batch.Origins!;
        for (int i = 0; i < batch.Count; i++)
        {
            long time;
            try
            {
                time = _loop.TimeOf(in values[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], EventTime.MinWatermark);
                continue;
            }

            if (Context.Policy.WatermarksDuringRun) tracker.OnBatch(new ReadOnlySpan<T>(in values[i]), new ReadOnlySpan<long>(in time));
            Output.Emit(values[i], time, origins[i]);
        }

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
        if (!Context.Policy.WatermarksDuringRun) return;
        tracker.OnPeriodic();
        if (tracker.Current > _emitted)
        {
            Volatile.Write(ref _emitted, tracker.Current);
            Output.Watermark(tracker.Current);
        }
    }
}
