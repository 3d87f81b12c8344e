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
                StampPartition(PartitionOfLeft(b.Values[i]));
                OnLeft(b.Values[i], b.Timestamps[i]);
            }
        }
        else
        {
            var b = (Batch<TRight>)batch;
            for (int i = from; i < count; i++)
            {
                At = i;
                StampPartition(PartitionOfRight(b.Values[i]));
                OnRight(b.Values[i], b.Timestamps[i]);
            }
        }

        StampPartition(-1);
    }

    /// <summary>The partition of a left element's key, or -1 when it cannot be computed (the operator applies its error policy to the element).</summary>
    private int PartitionOfLeft(TLeft value)
    {
        try
        {
            return PartitionOfKey(Keys.NotNull(LeftKey(value)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return -1;
        }
    }

    /// <summary>The partition of a right element's key, or -1 when it cannot be computed.</summary>
    private int PartitionOfRight(TRight value)
    {
        try
        {
            return PartitionOfKey(Keys.NotNull(RightKey(value)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return -1;
        }
    }

    /// <summary>The key of an element of the left input.</summary>
    protected abstract TKey LeftKey(TLeft value);

    /// <summary>The key of an element of the right input.</summary>
    protected abstract TKey RightKey(TRight value);

    /// <summary>An element of the left input.</summary>
    protected abstract void OnLeft(TLeft value, long timestamp);

    /// <summary>An element of the right input.</summary>
    protected abstract void OnRight(TRight value, long timestamp);

    protected sealed override (object? Element, long Timestamp) ElementAt(int port, object batch, int index) => port == 0
        ? (((Batch<TLeft>)batch).Values[index], ((Batch<TLeft>)batch).Timestamps[index])
        : (((Batch<TRight>)batch).Values[index], ((Batch<TRight>)batch).Timestamps[index]);
}
