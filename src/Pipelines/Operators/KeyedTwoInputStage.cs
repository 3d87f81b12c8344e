using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>A keyed stateful operator with two inputs (joins): port 0 is the left input, port 1 the right.</summary>
internal abstract class KeyedTwoInputStage<TLeft, TRight, TKey>(OperatorContext context, IOutput[] outputs) : KeyedStage<TKey>(context, outputs)
    where TKey : notnull
{
    protected sealed override void ProcessRange(int port, object batch, int from, int count)
    {
        if (StampsResults)
        {
            ProcessStamped(port, batch, from, count);
            return;
        }

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

    /// <summary>
    /// State split by an exchange's partitions (a join of two streams that cross one repartition topic): what each
    /// element produces is stamped with its key's partition.
    /// </summary>
    private void ProcessStamped(int port, object batch, int from, int count)
    {
        if (port == 0)
        {
            var b = (Batch<TLeft>)batch;
            for (int i = from; i < count; i++)
            {
                At = i;
                StampPartition(PartitionOfElement(LeftKeySelector, b.Values[i]));
                OnLeft(b.Values[i], b.Timestamps[i]);
            }
        }
        else
        {
            var b = (Batch<TRight>)batch;
            for (int i = from; i < count; i++)
            {
                At = i;
                StampPartition(PartitionOfElement(RightKeySelector, b.Values[i]));
                OnRight(b.Values[i], b.Timestamps[i]);
            }
        }

        StampPartition(-1);
    }

    /// <summary>The left input's key selector (for the partition a result is stamped with).</summary>
    protected abstract Func<TLeft, TKey> LeftKeySelector { get; }

    /// <summary>The right input's key selector.</summary>
    protected abstract Func<TRight, TKey> RightKeySelector { get; }

    /// <summary>An element of the left input.</summary>
    protected abstract void OnLeft(TLeft value, long timestamp);

    /// <summary>An element of the right input.</summary>
    protected abstract void OnRight(TRight value, long timestamp);

    protected sealed override (object? Element, long Timestamp) ElementAt(int port, object batch, int index) => port == 0
        ? (((Batch<TLeft>)batch).Values[index], ((Batch<TLeft>)batch).Timestamps[index])
        : (((Batch<TRight>)batch).Values[index], ((Batch<TRight>)batch).Timestamps[index]);
}
