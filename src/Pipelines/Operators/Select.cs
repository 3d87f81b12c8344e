using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Maps each element; event times are kept.</summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <typeparam name="TSite">The call site of the selector (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
internal sealed class Select<TIn, TOut, TSite>(Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context), ISpanTarget<TIn>
    where TSite : struct
{
    public override void OnBatch(Batch<TIn> batch)
    {
        if (batch.HasOrigins) OnTracked(batch);
        else Process(new ReadOnlySpan<TIn>(batch.Values, 0, batch.Count), new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count));
    }

    public void OnSpan(ReadOnlySpan<TIn> values, ReadOnlySpan<long> timestamps) => Process(values, timestamps);

    private void Process(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps)
    {
        var dst = Output.Reserve(values.Length);
        TOut[] outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int count = values.Length, n = dst.Count, i = 0;
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    outValues[n] = selector(values[i]);
                    outStamps[n] = stamps[i];
                    n++;
                }

                break;
            }
            catch (Exception ex)
            {
                dst.Count = n;
                Context.Errors.Handle(ex, values[i], stamps[i]);
                i++;
            }
        }

        dst.Count = n;
        Output.Flush();
    }

    /// <summary>A batch on its way to an exchange that drops elements read twice: each result keeps its element's origin.</summary>
    private void OnTracked(Batch<TIn> batch)
    {
        TIn[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        ElementOrigin[] origins = batch.Origins!;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                Output.Emit(selector(values[i]), stamps[i], origins[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
        }

        Output.Flush();
    }
}
