using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>The end of a fused run: what leaves the last operator goes into that operator's output.</summary>
internal sealed class EmitStep<T>(Output<T> output) : FusedStep<T>
{
    public Output<T> Output { get; } = output;

    public override void Push(in T value, long timestamp) => Output.Emit(value, timestamp);
}

/// <summary>
/// The end of a fused run for batches on their way to an exchange that drops elements read twice: what leaves the
/// last operator gets the origin of the element the run is at (<see cref="OriginSlot"/>).
/// </summary>
internal sealed class TrackedEmitStep<T>(Output<T> output, OriginSlot slot) : FusedStep<T>
{
    public override void Push(in T value, long timestamp) => output.Emit(value, timestamp, slot.Current);
}

/// <summary>The origin of the element a fused run is at (<see cref="TrackedEmitStep{T}"/>).</summary>
internal sealed class OriginSlot
{
    public ElementOrigin Current;
}
