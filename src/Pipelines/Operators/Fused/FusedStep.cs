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
    /// <summary>Runs the step's function on one element, and the steps after it on what it passes on.</summary>
    public abstract void Push(in T value, long timestamp);
}
