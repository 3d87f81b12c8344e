using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary><c>Select</c> as a step of a fused run: passes the selector's result on.</summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <typeparam name="TSite">The call site of the selector (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the selector takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class SelectStep<TIn, TOut, TSite, TKind>(Delegate selector, FusedStep<TOut> next, OperatorContext context, FusedRunPosition position, int id)
    : FusedStep<TIn>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<TIn, TOut>? _selectorValue = selector as Func<TIn, TOut>;
    private readonly InFunc<TIn, TOut>? _selectorReference = selector as InFunc<TIn, TOut>;

    public override void Push(in TIn value, long timestamp)
    {
        position.Step = id;
        TOut result = typeof(TKind) == typeof(ByValue) ? _selectorValue!(value) : _selectorReference!(in value);
        Passed++;
        next.Push(in result, timestamp);
    }

    public override void Fail(in TIn value, long timestamp, int step, Exception error)
    {
        if (step == id)
        {
            context.Errors.Handle(error, value, timestamp);
            return;
        }

        // A step after this one failed: its input is this selector's result, computed again. Should that throw now,
        // the failure of the later step still stands, without its element.
        TOut result;
        try
        {
            result = typeof(TKind) == typeof(ByValue) ? _selectorValue!(value) : _selectorReference!(in value);
        }
        catch (Exception)
        {
            next.FailUnnamed(timestamp, step, error);
            return;
        }

        next.Fail(in result, timestamp, step, error);
    }

    public override void FailUnnamed(long timestamp, int step, Exception error)
    {
        if (step == id) context.Errors.Handle(error, null, timestamp);
        else next.FailUnnamed(timestamp, step, error);
    }
}
