using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>A keyed stateful operator with two inputs (joins): port 0 is the left input, port 1 the right.</summary>
internal abstract class KeyedTwoInputStage<TLeft, TRight, TKey>(OperatorContext context, IOutput[] outputs) : KeyedStage<TKey>(context, outputs)
    where TKey : notnull
{
    protected sealed override void ProcessRange(int port, object batch, int from, int count)
    {
        if (port == 0)
        {
            var b = (Batch<TLeft>)batch;
            for (int i = from; i < count; i++)
            {
                At = i;
                OnLeft(b.Values[i], b.Timestamps[i]);
            }
        }
        else
        {
            var b = (Batch<TRight>)batch;
            for (int i = from; i < count; i++)
            {
                At = i;
                OnRight(b.Values[i], b.Timestamps[i]);
            }
        }
    }

    /// <summary>An element of the left input.</summary>
    protected abstract void OnLeft(TLeft value, long timestamp);

    /// <summary>An element of the right input.</summary>
    protected abstract void OnRight(TRight value, long timestamp);

    protected sealed override (object? Element, long Timestamp) ElementAt(int port, object batch, int index) => port == 0
        ? (((Batch<TLeft>)batch).Values[index], ((Batch<TLeft>)batch).Timestamps[index])
        : (((Batch<TRight>)batch).Values[index], ((Batch<TRight>)batch).Timestamps[index]);
}
