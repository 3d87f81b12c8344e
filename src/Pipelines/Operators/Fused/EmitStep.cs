using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>The end of a fused run: what leaves the last operator goes into that operator's output.</summary>
internal sealed class EmitStep<T>(Output<T> output, FusedRunPosition position) : FusedStep<T>
{
    public Output<T> Output { get; } = output;

    public override void Push(in T value, long timestamp)
    {
        position.Step = FusedRunPosition.Emitting;
        Output.Emit(value, timestamp);
    }

    public override void Fail(in T value, long timestamp, int step, Exception error) => throw EndOfRun.Failed(step, error);

    public override void FailUnnamed(long timestamp, int step, Exception error) => throw EndOfRun.Failed(step, error);
}

/// <summary>
/// The end of a fused run whose output's only target is a keyed stage on this thread that takes elements one at a
/// time (<see cref="Output{T}.CanPush"/>): each element is handed on as it leaves the last operator, not stored into
/// a batch first. A failure there is the keyed stage's: the run catches it (so the stage's per-element path has no
/// handler of its own, which would keep the runtime from compiling it tight) and hands it back to the stage with the
/// element, given again by the run's selectors (as for a failing step of the run), and goes on with the next element.
/// </summary>
internal sealed class PushStep<T>(Output<T> output, FusedRunPosition position) : FusedStep<T>
{
    public override void Push(in T value, long timestamp)
    {
        position.Step = FusedRunPosition.Pushing;
        output.Push(in value, timestamp);
    }

    public override void Fail(in T value, long timestamp, int step, Exception error)
    {
        if (step != FusedRunPosition.Pushing) throw EndOfRun.Failed(step, error);
        output.PushFailed(value, timestamp, error);
    }

    public override void FailUnnamed(long timestamp, int step, Exception error)
    {
        if (step != FusedRunPosition.Pushing) throw EndOfRun.Failed(step, error);
        output.PushFailed(null, timestamp, error);
    }
}

/// <summary>
/// The end of a fused run for batches on their way to an exchange that drops elements read twice: what leaves the
/// last operator gets the origin of the element the run is at (<see cref="OriginSlot"/>).
/// </summary>
internal sealed class TrackedEmitStep<T>(Output<T> output, OriginSlot slot, FusedRunPosition position) : FusedStep<T>
{
    public override void Push(in T value, long timestamp)
    {
        position.Step = FusedRunPosition.Emitting;
        output.Emit(value, timestamp, slot.Current);
    }

    public override void Fail(in T value, long timestamp, int step, Exception error) => throw EndOfRun.Failed(step, error);

    public override void FailUnnamed(long timestamp, int step, Exception error) => throw EndOfRun.Failed(step, error);
}

/// <summary>The end of a run has no function: a failure handed to it names a step the run does not have.</summary>
internal static class EndOfRun
{
    public static InvalidOperationException Failed(int step, Exception error) =>
        new($"A fused run was asked to name the element of step {step}, which it does not have.", error);
}

/// <summary>The origin of the element a fused run is at (<see cref="TrackedEmitStep{T}"/>).</summary>
internal sealed class OriginSlot
{
    public ElementOrigin Current;
}
