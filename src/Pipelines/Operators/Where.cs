using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Keeps the elements for which the predicate holds.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TSite">The call site of the predicate (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the predicate takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class Where<T, TSite, TKind>(Delegate predicate, Output<T> output, OperatorContext context) : StatelessOperator<T, T>(output, context), ISpanTarget<T>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<T, bool>? _predicateValue = predicate as Func<T, bool>;
    private readonly InFunc<T, bool>? _predicateReference = predicate as InFunc<T, bool>;

    public override void OnBatch(Batch<T> batch)
    {
        if (batch.HasOrigins)
        {
            OnTracked(batch);
            return;
        }

        // The only reader of the batch: keep the passing elements in place and pass the same batch on.
        int count = batch.Count;
        var dst = batch.Exclusive ? batch : Output.Reserve(count);
        if (ReferenceEquals(dst, batch)) dst.Count = 0;
        T[] values = batch.Values, outValues = dst.Values;
        long[] stamps = batch.Timestamps, outStamps = dst.Timestamps;
        var byValue = _predicateValue;
        var byReference = _predicateReference;
        int n = dst.Count, i = 0;
        bool inPlace = ReferenceEquals(dst, batch);
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    if (typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]))
                    {
                        // In place, passing elements before the first rejected one stay where they are.
                        if (!inPlace || n != i)
                        {
                            outValues[n] = values[i];
                            outStamps[n] = stamps[i];
                        }

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
        if (ReferenceEquals(dst, batch)) Output.Forward(batch);
        else Output.Flush();
    }

    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        // The source's own storage: copy the passing elements into the buffer.
        var dst = Output.Reserve(values.Length);
        T[] outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int count = values.Length, n = dst.Count, i = 0;
        var byValue = _predicateValue;
        var byReference = _predicateReference;
        while (true)
        {
            try
            {
                for (; i < count; i++)
                {
                    if (typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i]))
                    {
                        outValues[n] = values[i];
                        outStamps[n] = timestamps[i];
                        n++;
                    }
                }

                break;
            }
            catch (Exception ex)
            {
                dst.Count = n;
                Context.Errors.Handle(ex, values[i], timestamps[i]);
                i++;
            }
        }

        dst.Count = n;
        Output.Flush();
    }

    /// <summary>A batch on its way to an exchange that drops elements read twice: each element keeps its origin.</summary>
    private void OnTracked(Batch<T> batch)
    {
        T[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        ElementOrigin[] origins = batch.Origins!;
        var byValue = _predicateValue;
        var byReference = _predicateReference;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                if (typeof(TKind) == typeof(ByValue) ? byValue!(values[i]) : byReference!(in values[i])) Output.Emit(values[i], stamps[i], origins[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
        }

        Output.Flush();
    }
}
