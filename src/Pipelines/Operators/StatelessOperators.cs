using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Creates the per-element operators, each on the call site of its function (<see cref="CallSites"/>).</summary>
internal static class StatelessOperators
{
    public static IBatchTarget<T> Where<T>(Func<T, bool> predicate, Output<T> output, OperatorContext context) =>
        CallSites.Create<WhereFactory<T>, IBatchTarget<T>>(predicate, new(predicate, output, context));

    public static IBatchTarget<TIn> Select<TIn, TOut>(Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context) =>
        CallSites.Create<SelectFactory<TIn, TOut>, IBatchTarget<TIn>>(selector, new(selector, output, context));

    /// <summary>A fused <c>Where</c>+<c>Select</c> pair, on the selector's site (the pair's functions change together more often than not).</summary>
    public static IBatchTarget<TIn> WhereSelect<TIn, TOut>(Func<TIn, bool> predicate, Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts) =>
        CallSites.Create<WhereSelectFactory<TIn, TOut>, IBatchTarget<TIn>>(selector, new(predicate, selector, output, context, whereCounts));

    private readonly struct WhereFactory<T>(Func<T, bool> predicate, Output<T> output, OperatorContext context) : ISiteFactory<IBatchTarget<T>>
    {
        public IBatchTarget<T> Create<TSite>()
            where TSite : struct => new Where<T, TSite>(predicate, output, context);
    }

    private readonly struct SelectFactory<TIn, TOut>(Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context) : ISiteFactory<IBatchTarget<TIn>>
    {
        public IBatchTarget<TIn> Create<TSite>()
            where TSite : struct => new Select<TIn, TOut, TSite>(selector, output, context);
    }

    private readonly struct WhereSelectFactory<TIn, TOut>(Func<TIn, bool> predicate, Func<TIn, TOut> selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts)
        : ISiteFactory<IBatchTarget<TIn>>
    {
        public IBatchTarget<TIn> Create<TSite>()
            where TSite : struct => new WhereSelect<TIn, TOut, TSite>(predicate, selector, output, context, whereCounts);
    }
}
