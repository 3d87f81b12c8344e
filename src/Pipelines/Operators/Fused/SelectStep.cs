using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Select</c> as a step of a fused run: passes the selector's result on.</summary>
internal sealed class SelectStep<TIn, TOut>(Func<TIn, TOut> selector, FusedStep<TOut> next, OperatorContext context) : FusedStep<TIn>
{
    public override void Push(in TIn value, long timestamp)
    {
        TOut result;
        try
        {
            result = selector(value);
        }
        catch (Exception ex)
        {
            context.Errors.Handle(ex, value, timestamp);
            return;
        }

        // Outside the handler: a failure further down the run is the later operator's.
        Passed++;
        next.Push(in result, timestamp);
    }
}
