using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Maps each element; event times are kept.</summary>
internal sealed class Select<TIn, TOut>(Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context) : StatelessOperator<TIn, TOut>(output, context)
{
    public override void OnBatch(Batch<TIn> batch)
    {
        var dst = Output.Reserve(batch.Count);
        TIn[] values = batch.Values;
        TOut[] outValues = dst.Values;
        long[] stamps = batch.Timestamps, outStamps = dst.Timestamps;
        int count = batch.Count, n = dst.Count, i = 0;
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
}
