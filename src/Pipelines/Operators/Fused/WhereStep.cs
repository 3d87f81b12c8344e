using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Where</c> as a step of a fused run: passes the element on when the predicate holds.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TSite">The call site of the predicate (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the predicate takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class WhereStep<T, TSite, TKind>(Delegate predicate, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id)
    : FusedStep<T>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<T, bool>? _predicateValue = predicate as Func<T, bool>;
    private readonly InFunc<T, bool>? _predicateReference = predicate as InFunc<T, bool>;

    public override void Push(in T value, long timestamp)
    {
        position.Step = id;
        if (!(typeof(TKind) == typeof(ByValue) ? _predicateValue!(value) : _predicateReference!(in value))) return;
        Passed++;
        next.Push(in value, timestamp);
    }

    public override void Fail(in T value, long timestamp, int step, Exception error)
    {
        // A step after this one failed: the predicate held for the element.
        if (step == id) context.Errors.Handle(error, value, timestamp);
        else next.Fail(in value, timestamp, step, error);
    }

    public override void FailUnnamed(long timestamp, int step, Exception error)
    {
        if (step == id) context.Errors.Handle(error, null, timestamp);
        else next.FailUnnamed(timestamp, step, error);
    }
}
