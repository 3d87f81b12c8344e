using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>A keyed stateful operator with one input: it handles one element at a time (or overrides <see cref="ProcessElements"/> for a faster loop).</summary>
internal abstract class KeyedOneInputStage<TIn, TKey>(OperatorContext context, IOutput[] outputs) : KeyedStage<TKey>(context, outputs)
    where TKey : notnull
{
    protected sealed override void ProcessRange(int port, object batch, int from, int count)
    {
        var b = (Batch<TIn>)batch;
        ProcessElements(b.Values, b.Timestamps, from, count);
    }

    /// <summary>Processes elements <paramref name="from"/> to <paramref name="count"/>, keeping <see cref="KeyedStage{TKey}.At"/> current.</summary>
    protected virtual void ProcessElements(TIn[] values, long[] stamps, int from, int count)
    {
        for (int i = from; i < count; i++)
        {
            At = i;
            OnElement(values[i], stamps[i]);
        }
    }

    /// <summary>One element with its event time.</summary>
    protected abstract void OnElement(TIn value, long timestamp);

    protected sealed override (object? Element, long Timestamp) ElementAt(int port, object batch, int index)
    {
        var b = (Batch<TIn>)batch;
        return (b.Values[index], b.Timestamps[index]);
    }
}
