using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>The end of a fused run: what leaves the last operator goes into that operator's output.</summary>
internal sealed class EmitStep<T>(Output<T> output) : FusedStep<T>
{
    public Output<T> Output { get; } = output;

    public override void Push(in T value, long timestamp) => Output.Emit(value, timestamp);
}
