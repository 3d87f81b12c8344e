using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// A run of per-element operators (<c>Where</c> and <c>Select</c>, in any order and number) fused at plan time into
/// one loop, as LINQ chains its iterators: each element goes through the run's steps one after another, and only
/// what leaves the last operator is stored, into that operator's output. Each step keeps its own operator's context,
/// so a failing function is handled under its own operator's error policy and named in the error, and each
/// operator's output is counted per batch as if it had its own (<paramref name="counted"/>: every step but the last
/// operator's, whose output counts itself). Control signals go straight to the last operator's output: no step holds
/// anything between elements.
/// </summary>
internal sealed class FusedRun<T>(FusedStep<T> first, IOutput output, FusedStep[] counted, Func<OriginSlot, FusedRunSteps<T>> tracked) : IBatchTarget<T>, ISpanTarget<T>
{
    private FusedRunSteps<T>? _tracked;
    private OriginSlot? _origin;

    public void OnBatch(Batch<T> batch)
    {
        if (batch.HasOrigins) ProcessTracked(batch);
        else Process(new ReadOnlySpan<T>(batch.Values, 0, batch.Count), new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count));
    }

    /// <summary>
    /// A batch on its way to an exchange that drops elements read twice: it goes through a second copy of the steps,
    /// created on first use, whose end gives what leaves the run the origin of the element it came from.
    /// </summary>
    private void ProcessTracked(Batch<T> batch)
    {
        var origin = _origin ??= new OriginSlot();
        var steps = _tracked ??= tracked(origin);
        var step = steps.First;
        T[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        ElementOrigin[] origins = batch.Origins!;
        for (int i = 0; i < batch.Count; i++)
        {
            origin.Current = origins[i];
            step.Push(in values[i], stamps[i]);
        }

        foreach (var inner in steps.Counted) inner.Report();
        output.Flush();
    }

    /// <summary>Reads the elements where they are (a source's storage, or a span timed in place): nothing is copied before the run.</summary>
    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps) => Process(values, timestamps);

    private void Process(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        var step = first;
        for (int i = 0; i < values.Length; i++) step.Push(in values[i], timestamps[i]);
        foreach (var inner in counted) inner.Report();
        output.Flush();
    }

    public void OnWatermark(long watermark) => output.Watermark(watermark);

    public void OnIdle() => output.Idle();

    public void OnProcessingTime(long utcTicks) => output.ProcessingTime(utcTicks);

    public void OnBarrier(long checkpoint) => output.Barrier(checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => output.Handover(handover);

    public void OnEnd() => output.End();
}

/// <summary>The steps of a fused run: the first, and those whose output is counted for their operator.</summary>
internal sealed record FusedRunSteps<T>(FusedStep<T> First, FusedStep[] Counted);
