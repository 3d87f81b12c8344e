using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Sends each element to one of two outputs: <paramref name="matching"/> when the predicate holds, else
/// <paramref name="rest"/> (null when nothing reads it). The predicate runs once per element; event times are kept,
/// and both outputs receive every watermark, idle signal, barrier and the end.
/// </summary>
internal sealed class Split<T>(Func<T, bool> predicate, Output<T> matching, Output<T>? rest, OperatorContext context) : IBatchTarget<T>
{
    public void OnBatch(Batch<T> batch)
    {
        int count = batch.Count;
        T[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        var yes = matching.Reserve(count);
        var no = rest?.Reserve(count);
        int y = yes.Count, n = no?.Count ?? 0, i = 0;
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    if (predicate(values[i]))
                    {
                        yes.Values[y] = values[i];
                        yes.Timestamps[y++] = stamps[i];
                    }
                    else if (no is not null)
                    {
                        no.Values[n] = values[i];
                        no.Timestamps[n++] = stamps[i];
                    }
                }

                break;
            }
            catch (Exception ex)
            {
                yes.Count = y;
                if (no is not null) no.Count = n;
                context.Errors.Handle(ex, values[i], stamps[i]);
                i++;
            }
        }

        yes.Count = y;
        if (no is not null) no.Count = n;
        matching.Flush();
        rest?.Flush();
    }

    public void OnWatermark(long watermark)
    {
        matching.Watermark(watermark);
        rest?.Watermark(watermark);
    }

    public void OnIdle()
    {
        matching.Idle();
        rest?.Idle();
    }

    public void OnProcessingTime(long utcTicks)
    {
        matching.ProcessingTime(utcTicks);
        rest?.ProcessingTime(utcTicks);
    }

    public void OnHandover(Exchanges.PartitionHandover handover)
    {
        matching.Handover(handover);
        rest?.Handover(handover);
    }

    public void OnBarrier(long checkpoint)
    {
        matching.Barrier(checkpoint);
        rest?.Barrier(checkpoint);
    }

    public void OnEnd()
    {
        matching.End();
        rest?.End();
    }
}
