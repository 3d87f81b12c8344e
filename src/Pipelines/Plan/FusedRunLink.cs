using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>
/// A run of two or more fusable operators, each the only live consumer of the one before it, compiled into one
/// <see cref="FusedRun{T}"/> per worker; <paramref name="endLinks"/> receive the last operator's output.
/// </summary>
internal sealed class FusedRunLink<T>(IFusableNode<T> head, int length, object endLinks) : ChainLink<T>
{
    /// <summary>The operators in the run.</summary>
    public int Length { get; } = length;

    /// <summary>The run that starts at <paramref name="head"/>, or null when its only live consumer cannot be fused with it.</summary>
    public static FusedRunLink<T>? TryCompile(IFusableNode<T> head, Vertex producer, ChainCompiler compiler)
    {
        int length = 1;
        IFusableNode last = head;
        while (last.NextInRun is { } next)
        {
            last = next;
            length++;
        }

        return length < 2 ? null : new FusedRunLink<T>(head, length, last.CompileOutput(producer, compiler)!);
    }

    public override IBatchTarget<T> Instantiate(WorkerContext context)
    {
        var run = new FusedRunBuilder(context, endLinks);
        var first = head.CreateSteps(Length - 1, run);
        var end = run.End!;
        var clock = (EventTimeClock<T>?)run.Clock;
        return new FusedRun<T>(new FusedRunSteps<T>(first, [.. run.Counted], run.Position), end, origin =>
        {
            var tracked = new FusedRunBuilder(context, endLinks) { End = end, Origin = origin, Clock = clock };
            var steps = head.CreateSteps(Length - 1, tracked);
            return new FusedRunSteps<T>(steps, [.. tracked.Counted], tracked.Position);
        }, clock);
    }
}
