using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Creates the steps of fused runs, each on the call site of its function (<see cref="CallSites"/>).</summary>
internal static class FusedSteps
{
    public static FusedStep<T> Where<T>(Func<T, bool> predicate, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) =>
        CallSites.Create<WhereFactory<T>, FusedStep<T>>(predicate, new(predicate, next, context, position, id));

    public static FusedStep<TIn> Select<TIn, TOut>(Func<TIn, TOut> selector, FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id) =>
        CallSites.Create<SelectFactory<TIn, TOut>, FusedStep<TIn>>(selector, new(selector, next, context, position, id));

    private readonly struct WhereFactory<T>(Func<T, bool> predicate, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) : ISiteFactory<FusedStep<T>>
    {
        public FusedStep<T> Create<TSite>()
            where TSite : struct => new WhereStep<T, TSite>(predicate, next, context, position, id);
    }

    private readonly struct SelectFactory<TIn, TOut>(Func<TIn, TOut> selector, FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id) : ISiteFactory<FusedStep<TIn>>
    {
        public FusedStep<TIn> Create<TSite>()
            where TSite : struct => new SelectStep<TIn, TOut, TSite>(selector, next, context, position, id);
    }
}
