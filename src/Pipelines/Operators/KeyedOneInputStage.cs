using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>A keyed stateful operator with one input: it handles one element at a time (or overrides <see cref="ProcessElements"/> for a faster loop).</summary>
internal abstract class KeyedOneInputStage<TIn, TKey>(OperatorContext context, IOutput[] outputs) : KeyedStage<TKey>(context, outputs), IStageSpanInput<TIn>, IStageElementInput<TIn>
    where TKey : notnull
{
    private bool _pushing;

    /// <summary>
    /// One element from a producer on this thread, processed as the only element of a batch would be; the outputs
    /// are flushed at <see cref="EndPushes"/>, at the end of the producer's batch. No handler here: a failure goes
    /// back to the producer, which hands it to <see cref="Failed"/> (the same handling as in a batch).
    /// </summary>
    public void Push(in TIn value, long timestamp)
    {
        if (!_pushing)
        {
            BeginInput();
            _pushing = true;
        }

        if (StampsResults) ProcessStamped(new ReadOnlySpan<TIn>(in value), new ReadOnlySpan<long>(in timestamp), 0, 1);
        else PushOne(in value, timestamp);
    }

    public void Failed(object? element, long timestamp, Exception error) => ElementFailed(error, element, timestamp);

    /// <summary>One pushed element (<see cref="Push"/>); operators with a faster per-element path override it.</summary>
    protected virtual void PushOne(in TIn value, long timestamp) => OnElement(value, timestamp);

    public void EndPushes()
    {
        if (!_pushing) return;
        _pushing = false;
        EndInput();
    }

    protected sealed override void ProcessRange(int port, object batch, int from, int count)
    {
        var b = (Batch<TIn>)batch;
        if (StampsResults) ProcessStamped(b.Values, b.Timestamps, from, count);
        else ProcessElements(b.Values, b.Timestamps, from, count);
    }

    /// <summary>
    /// Elements read in place from the producer's span (a source's own storage, timed in place): processed as a
    /// batch is, with the same handling of a failing element, and not kept after the call.
    /// </summary>
    public void OnSpan(ReadOnlySpan<TIn> values, ReadOnlySpan<long> timestamps)
    {
        BeginInput();
        int count = values.Length, i = 0;
        while (i < count)
        {
            try
            {
                if (StampsResults) ProcessStamped(values, timestamps, i, count);
                else ProcessElements(values, timestamps, i, count);
                break;
            }
            catch (Exception ex)
            {
                i = At;
                ElementFailed(ex, values[i], timestamps[i]);
                i++;
            }
        }

        EndInput();
    }

    /// <summary>The operator's key selector (for the partition a result is stamped with).</summary>
    protected abstract Func<TIn, TKey> KeySelector { get; }

    /// <summary>
    /// State split by an exchange's partitions: the elements go to <see cref="ProcessElements"/> in runs of one
    /// partition (an exchange delivers a partition's records together), each run's results stamped with it.
    /// </summary>
    private void ProcessStamped(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int from, int count)
    {
        int i = from;
        int partition = PartitionOfElement(KeySelector, values[i]);
        while (i < count)
        {
            int j = i + 1, next = -1;
            while (j < count && (next = PartitionOfElement(KeySelector, values[j])) == partition) j++;
            StampPartition(partition);
            ProcessElements(values, stamps, i, j);
            i = j;
            partition = next;
        }

        StampPartition(-1);
    }

    /// <summary>Processes elements <paramref name="from"/> to <paramref name="count"/>, keeping <see cref="KeyedStage{TKey}.At"/> current.</summary>
    protected virtual void ProcessElements(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int from, int count)
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
