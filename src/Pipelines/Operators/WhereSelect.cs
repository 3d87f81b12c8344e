using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Where</c> followed by <c>Select</c>, fused at plan time into one loop (as LINQ's WhereSelect iterators do).</summary>
internal sealed class WhereSelect<TIn, TOut>(Func<TIn, bool> predicate, Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context)
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
                    TIn value = values[i];
                    if (predicate(value))
                    {
                        outValues[n] = selector(value);
                        outStamps[n] = stamps[i];
                        n++;
                    }
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
