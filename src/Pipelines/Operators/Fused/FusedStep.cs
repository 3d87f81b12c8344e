using Pipelines.Diagnostics;

namespace Pipelines.Operators;

/// <summary>
/// One per-element operator of a <see cref="FusedRun{T}"/>: it takes an element and passes zero or one element to the
/// next step. An element goes through every step of the run before the next element enters it, so it stays in
/// registers and on the stack from the first operator of the run to the last, instead of being stored into a batch
/// between them (for a struct with references, a store is a copy and a GC write barrier per reference).
/// </summary>
internal abstract class FusedStep
{
    private OperatorTelemetry? _counts;

    /// <summary>Elements this step passed on since its last <see cref="Report"/>.</summary>
    protected int Passed;

    /// <summary>
    /// Counts what this step passes on as its operator's output (monitor and metrics), as an operator's own output
    /// does per batch; for every operator of a run but the last, whose output counts for itself.
    /// </summary>
    public void CountInto(OperatorTelemetry counts) => _counts = counts;

    /// <summary>Adds what passed since the last report to the operator's counts; called once per batch.</summary>
    public void Report()
    {
        if (Passed == 0) return;
        _counts?.ElementsOut(Passed);
        Passed = 0;
    }
}

/// <summary>A step taking elements of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The element type the step takes.</typeparam>
internal abstract class FusedStep<T> : FusedStep
{
    /// <summary>
    /// Runs the step's function on one element, and the steps after it on what it passes on. No step catches: the
    /// run does, and finds the failing step through its <see cref="FusedRunPosition"/>, so the steps of a run can be
    /// compiled into one loop.
    /// </summary>
    public abstract void Push(in T value, long timestamp);

    /// <summary>
    /// Hands <paramref name="error"/>, thrown by the function of step <paramref name="step"/> for the element that
    /// entered the run as <paramref name="value"/>, to that step's error policy with the element the step saw: the
    /// selectors before it run again on the element to give it.
    /// </summary>
    public abstract void Fail(in T value, long timestamp, int step, Exception error);

    /// <summary>
    /// Hands <paramref name="error"/>, thrown by step <paramref name="step"/> (or by the keyed stage after the run,
    /// <see cref="FusedRunPosition.Pushing"/>), to its error policy without the element: a selector before it threw
    /// when run again to give the element (a function that does not give the same result twice). The failure stands,
    /// with the element unknown; the selector's second exception is not the element's own failure.
    /// </summary>
    public abstract void FailUnnamed(long timestamp, int step, Exception error);
}

/// <summary>
/// The step of a fused run whose function is running (each step's id is the number of operators after it in the
/// run), or <see cref="Emitting"/> while the run's end writes into its output, where a failure is a later
/// operator's and passes through the run untouched, or <see cref="Pushing"/> while the run's end hands the element
/// to the keyed stage after it (<see cref="PushStep{T}"/>), where a failure is that stage's and goes to it with the
/// element.
/// </summary>
internal sealed class FusedRunPosition
{
    /// <summary>The run's end is writing into its output.</summary>
    public const int Emitting = -1;

    /// <summary>The run's end is handing the element to the keyed stage after it.</summary>
    public const int Pushing = -2;

    /// <summary>The step whose function is running, <see cref="Emitting"/> or <see cref="Pushing"/>.</summary>
    public int Step;

    /// <summary>The index of the element the run is at, in the span it runs over.</summary>
    public int Element;
}
