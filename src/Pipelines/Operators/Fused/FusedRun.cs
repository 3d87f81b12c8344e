using System.Runtime.CompilerServices;
using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// A run of per-element operators (<c>Where</c> and <c>Select</c>, in any order and number, possibly after a
/// <c>WithEventTime</c> that heads the run) fused at plan time into
/// one loop, as LINQ chains its iterators: each element goes through the run's steps one after another, and only
/// what leaves the last operator is stored, into that operator's output. Each step keeps its own operator's context,
/// so a failing function is handled under its own operator's error policy and named in the error, and each
/// operator's output is counted per batch as if it had its own (every step but the last operator's, whose output
/// counts itself). Control signals go straight to the last operator's output: no step holds anything between
/// elements. A run headed by <c>WithEventTime</c> has a <see cref="EventTimeClock{T}"/>, which gives the run's own
/// watermark in place of upstream ones, as the operator would.
/// <para>
/// The steps themselves catch nothing, so the runtime compiles the whole run into one loop (a handler in a method
/// keeps it from being inlined), and that loop has no handler either (inside a protected region the runtime keeps
/// the loop's index and spans in memory). Its caller catches: the run's <see cref="FusedRunPosition"/> says which
/// element and which step's function threw, and <see cref="FusedStep{T}.Fail"/> hands the failure to that step with
/// the element it saw (the selectors before it run again on the element to give it). A failure while the end writes
/// into the output is a later operator's, and passes through untouched; one while the end hands the element to the
/// keyed stage after it (<see cref="PushStep{T}"/>) is that stage's, and goes back to it the same way.
/// </para>
/// </summary>
internal sealed class FusedRun<T>(FusedRunSteps<T> steps, IOutput output, Func<OriginSlot, FusedRunSteps<T>> tracked, EventTimeClock<T>? clock = null)
    : IBatchTarget<T>, ISpanTarget<T>
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
        var copy = _tracked ??= tracked(origin);
        var values = new ReadOnlySpan<T>(batch.Values, 0, batch.Count);
        var stamps = new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count);
        var origins = new ReadOnlySpan<ElementOrigin>(batch.Origins!, 0, batch.Count);
        int i = 0;
        while (i < values.Length) i = RunTracked(copy, origin, values, stamps, origins, i);
        foreach (var inner in copy.Counted) inner.Report();
        clock?.Observe();
        output.Flush();
    }

    /// <summary>Reads the elements where they are (a source's storage, or a span timed in place): nothing is copied before the run.</summary>
    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps) => Process(values, timestamps);

    private void Process(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        int i = 0;
        while (i < values.Length) i = Run(steps, values, timestamps, i);
        foreach (var inner in steps.Counted) inner.Report();
        clock?.Observe();
        output.Flush();
    }

    /// <summary>Runs the elements from <paramref name="from"/> on through the steps; returns where it stopped (the end, or after an element that failed).</summary>
    private static int Run(FusedRunSteps<T> run, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, int from)
    {
        var position = run.Position;
        try
        {
            Loop(run.First, position, values, timestamps, from);
            return values.Length;
        }
        catch (Exception ex) when (position.Step != FusedRunPosition.Emitting)
        {
            return Failed(run, values, timestamps, ex);
        }
    }

    /// <summary>Hands a failure to the step that threw, with the element it saw; returns where the run goes on.</summary>
    private static int Failed(FusedRunSteps<T> run, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, Exception error)
    {
        int i = run.Position.Element;
        run.First.Fail(in values[i], timestamps[i], run.Position.Step, error);
        return i + 1;
    }

    /// <summary>
    /// The loop over the elements, in a method of its own without an exception handler: inside a protected region
    /// the runtime keeps the loop's index and spans in memory, loaded and stored around every step. It records the
    /// element it is at in <paramref name="position"/> for the handler of <see cref="Run"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Loop(FusedStep<T> first, FusedRunPosition position, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, int from)
    {
        for (int i = from; i < values.Length; i++)
        {
            position.Element = i;
            first.Push(in values[i], timestamps[i]);
        }
    }

    private static int RunTracked(FusedRunSteps<T> run, OriginSlot origin, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> origins, int from)
    {
        var position = run.Position;
        try
        {
            LoopTracked(run.First, position, origin, values, timestamps, origins, from);
            return values.Length;
        }
        catch (Exception ex) when (position.Step != FusedRunPosition.Emitting)
        {
            return Failed(run, values, timestamps, ex);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoopTracked(FusedStep<T> first, FusedRunPosition position, OriginSlot origin, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> origins, int from)
    {
        for (int i = from; i < values.Length; i++)
        {
            position.Element = i;
            origin.Current = origins[i];
            first.Push(in values[i], timestamps[i]);
        }
    }

    public void OnWatermark(long watermark)
    {
        if (clock is null) output.Watermark(watermark);
        else clock.OnWatermark(watermark, output);
    }

    public void OnIdle() => output.Idle();

    public void OnProcessingTime(long utcTicks)
    {
        clock?.OnProcessingTime(output);
        output.ProcessingTime(utcTicks);
    }

    public void OnBarrier(long checkpoint) => output.Barrier(checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => output.Handover(handover);

    public void OnEnd() => output.End();
}

/// <summary>The steps of a fused run: the first, those whose output is counted for their operator, and the position the steps write.</summary>
internal sealed record FusedRunSteps<T>(FusedStep<T> First, FusedStep[] Counted, FusedRunPosition Position);
