using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Creates the per-element operators, each on the call site of its function (<see cref="CallSites"/>) and for how its functions take their elements.</summary>
internal static class StatelessOperators
{
    public static IBatchTarget<T> Where<T>(ElementFunction<T, bool> predicate, Output<T> output, OperatorContext context) =>
        CallSites.Create<WhereFactory<T>, IBatchTarget<T>>(predicate.Delegate, new(predicate, output, context));

    public static IBatchTarget<TIn> Select<TIn, TOut>(ElementFunction<TIn, TOut> selector, Output<TOut> output, OperatorContext context) =>
        CallSites.Create<SelectFactory<TIn, TOut>, IBatchTarget<TIn>>(selector.Delegate, new(selector, output, context));

    /// <summary>A fused <c>Where</c>+<c>Select</c> pair, on the selector's site (the pair's functions change together more often than not).</summary>
    public static IBatchTarget<TIn> WhereSelect<TIn, TOut>(ElementFunction<TIn, bool> predicate, ElementFunction<TIn, TOut> selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts) =>
        CallSites.Create<WhereSelectFactory<TIn, TOut>, IBatchTarget<TIn>>(selector.Delegate, new(predicate, selector, output, context, whereCounts));

    private readonly struct WhereFactory<T>(ElementFunction<T, bool> predicate, Output<T> output, OperatorContext context) : ISiteFactory<IBatchTarget<T>>
    {
        public IBatchTarget<T> Create<TSite>()
            where TSite : struct => predicate.Apply<WhereUser<T, TSite>, IBatchTarget<T>>(new(output, context));
    }

    private readonly struct SelectFactory<TIn, TOut>(ElementFunction<TIn, TOut> selector, Output<TOut> output, OperatorContext context) : ISiteFactory<IBatchTarget<TIn>>
    {
        public IBatchTarget<TIn> Create<TSite>()
            where TSite : struct => selector.Apply<SelectUser<TIn, TOut, TSite>, IBatchTarget<TIn>>(new(output, context));
    }

    private readonly struct WhereSelectFactory<TIn, TOut>(ElementFunction<TIn, bool> predicate, ElementFunction<TIn, TOut> selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts)
        : ISiteFactory<IBatchTarget<TIn>>
    {
        public IBatchTarget<TIn> Create<TSite>()
            where TSite : struct => predicate.Apply<PairUser<TIn, TOut, TSite>, IBatchTarget<TIn>>(new(selector, output, context, whereCounts));
    }

    private readonly struct WhereUser<T, TSite>(Output<T> output, OperatorContext context) : IFunctionUser<IBatchTarget<T>>
        where TSite : struct
    {
        public IBatchTarget<T> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new Where<T, TSite, TKind>(function, output, context);
    }

    private readonly struct SelectUser<TIn, TOut, TSite>(Output<TOut> output, OperatorContext context) : IFunctionUser<IBatchTarget<TIn>>
        where TSite : struct
    {
        public IBatchTarget<TIn> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new Select<TIn, TOut, TSite, TKind>(function, output, context);
    }

    /// <summary>Takes the pair's predicate, then its selector.</summary>
    private readonly struct PairUser<TIn, TOut, TSite>(ElementFunction<TIn, TOut> selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts)
        : IFunctionUser<IBatchTarget<TIn>>
        where TSite : struct
    {
        public IBatchTarget<TIn> Use<TPredicate>(Delegate predicate)
            where TPredicate : struct, IFunctionKind =>
            selector.Apply<PairSelectorUser<TIn, TOut, TSite, TPredicate>, IBatchTarget<TIn>>(new(predicate, output, context, whereCounts));
    }

    private readonly struct PairSelectorUser<TIn, TOut, TSite, TPredicate>(Delegate predicate, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts)
        : IFunctionUser<IBatchTarget<TIn>>
        where TSite : struct
        where TPredicate : struct, IFunctionKind
    {
        public IBatchTarget<TIn> Use<TSelector>(Delegate selector)
            where TSelector : struct, IFunctionKind => new WhereSelect<TIn, TOut, TSite, TPredicate, TSelector>(predicate, selector, output, context, whereCounts);
    }
}
