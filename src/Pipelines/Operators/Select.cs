using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Maps each element; event times are kept.</summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <typeparam name="TSite">The call site of the selector (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the selector takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class Select<TIn, TOut, TSite, TKind>(Delegate selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context), ISpanTarget<TIn>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<TIn, TOut>? _selectorValue = selector as Func<TIn, TOut>;
    private readonly InFunc<TIn, TOut>? _selectorReference = selector as InFunc<TIn, TOut>;

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
        var byValue = _selectorValue;
        var byReference = _selectorReference;
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    outValues[n] = typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]);
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
        var byValue = _selectorValue;
        var byReference = _selectorReference;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                Output.Emit(typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]), stamps[i], origins[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
        }

        Output.Flush();
    }
}
