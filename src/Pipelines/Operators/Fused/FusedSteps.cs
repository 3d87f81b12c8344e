using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Creates the steps of fused runs, each on the call site of its function (<see cref="CallSites"/>) and for how it takes its element.</summary>
internal static class FusedSteps
{
    public static FusedStep<T> Where<T>(ElementFunction<T, bool> predicate, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) =>
        CallSites.Create<WhereFactory<T>, FusedStep<T>>(predicate.Delegate, new(predicate, next, context, position, id));

    public static FusedStep<TIn> Select<TIn, TOut>(ElementFunction<TIn, TOut> selector, FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id) =>
        CallSites.Create<SelectFactory<TIn, TOut>, FusedStep<TIn>>(selector.Delegate, new(selector, next, context, position, id));

    public static FusedStep<T> EventTime<T>(ElementFunction<T, DateTimeOffset> timeOf, EventTimeClock<T> clock, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) =>
        CallSites.Create<EventTimeFactory<T>, FusedStep<T>>(timeOf.Delegate, new(timeOf, clock, next, context, position, id));

    private readonly struct EventTimeFactory<T>(ElementFunction<T, DateTimeOffset> timeOf, EventTimeClock<T> clock, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id)
        : ISiteFactory<FusedStep<T>>
    {
        public FusedStep<T> Create<TSite>()
            where TSite : struct => timeOf.Apply<EventTimeUser<T, TSite>, FusedStep<T>>(new(clock, next, context, position, id));
    }

    private readonly struct EventTimeUser<T, TSite>(EventTimeClock<T> clock, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) : IFunctionUser<FusedStep<T>>
        where TSite : struct
    {
        public FusedStep<T> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new EventTimeStep<T, TSite, TKind>(function, clock, next, context, position, id);
    }

    private readonly struct WhereFactory<T>(ElementFunction<T, bool> predicate, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id)
        : ISiteFactory<FusedStep<T>>
    {
        public FusedStep<T> Create<TSite>()
            where TSite : struct => predicate.Apply<WhereUser<T, TSite>, FusedStep<T>>(new(next, context, position, id));
    }

    private readonly struct SelectFactory<TIn, TOut>(ElementFunction<TIn, TOut> selector, FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id)
        : ISiteFactory<FusedStep<TIn>>
    {
        public FusedStep<TIn> Create<TSite>()
            where TSite : struct => selector.Apply<SelectUser<TIn, TOut, TSite>, FusedStep<TIn>>(new(next, context, position, id));
    }

    private readonly struct WhereUser<T, TSite>(FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id) : IFunctionUser<FusedStep<T>>
        where TSite : struct
    {
        public FusedStep<T> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new WhereStep<T, TSite, TKind>(function, next, context, position, id);
    }

    private readonly struct SelectUser<TIn, TOut, TSite>(FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id) : IFunctionUser<FusedStep<TIn>>
        where TSite : struct
    {
        public FusedStep<TIn> Use<TKind>(Delegate function)
            where TKind : struct, IFunctionKind => new SelectStep<TIn, TOut, TSite, TKind>(function, next, context, position, id);
    }
}
