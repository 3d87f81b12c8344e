using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Where</c> as a step of a fused run: passes the element on when the predicate holds.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TSite">The call site of the predicate (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
internal sealed class WhereStep<T, TSite>(Func<T, bool> predicate, FusedStep<T> next, OperatorContext context) : FusedStep<T>
    where TSite : struct
{
    public override void Push(in T value, long timestamp)
    {
        bool keep;
        try
        {
            keep = predicate(value);
        }
        catch (Exception ex)
        {
            context.Errors.Handle(ex, value, timestamp);
            return;
        }

        // Outside the handler: a failure further down the run is the later operator's.
        if (!keep) return;
        Passed++;
        next.Push(in value, timestamp);
    }
}
