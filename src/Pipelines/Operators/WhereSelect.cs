using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Where</c> followed by <c>Select</c>, fused at plan time into one loop (as LINQ's WhereSelect iterators do).</summary>
internal sealed class WhereSelect<TIn, TOut>(Func<TIn, bool> predicate, Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context), ISpanTarget<TIn>
{
    public override void OnBatch(Batch<TIn> batch) => Process(new ReadOnlySpan<TIn>(batch.Values, 0, batch.Count), new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count));

    public void OnSpan(ReadOnlySpan<TIn> values) => Process(values, NoTimestamps.Get(values.Length));

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
