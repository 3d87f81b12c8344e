namespace Pipelines.Operators;

/// <summary>
/// How a user's per-element function takes its element, as a type argument an operator is specialized for:
/// <see cref="ByValue"/> (<see cref="Func{T, TResult}"/>) or <see cref="ByReference"/> (<see cref="InFunc{T, TResult}"/>).
/// The operator keeps the delegate in a field of each type (one of them null) and calls it as
/// <c>typeof(TKind) == typeof(ByValue) ? byValue!(v) : byReference!(in v)</c> in its own loop, from locals: the
/// runtime folds the test away, and the call stays in the loop's method on a local that does not change, so the
/// runtime checks its guess of the delegate's target once before the loop instead of for every element (it does
/// not for a call inside a helper method, even an inlined one). So a function taking its element by reference is
/// called without copying the element, and one taking it by value as fast as a plain delegate call.
/// </summary>
internal interface IFunctionKind;

/// <summary>The function takes its element by value (<see cref="Func{T, TResult}"/>).</summary>
internal readonly struct ByValue : IFunctionKind;

/// <summary>The function takes its element by reference (<see cref="InFunc{T, TResult}"/>).</summary>
internal readonly struct ByReference : IFunctionKind;

/// <summary>Creates something specialized for how an <see cref="ElementFunction{T, TResult}"/> takes its element.</summary>
internal interface IFunctionUser<out TCreated>
{
    /// <summary>Creates it for <paramref name="function"/>, which takes its element as <typeparamref name="TKind"/> says.</summary>
    TCreated Use<TKind>(Delegate function)
        where TKind : struct, IFunctionKind;
}

/// <summary>
/// A user's per-element function as the plan keeps it: a <see cref="Func{T, TResult}"/> or an
/// <see cref="InFunc{T, TResult}"/>, whose delegate also names its call site (<see cref="CallSites"/>).
/// </summary>
internal sealed class ElementFunction<T, TResult>
{
    private readonly bool _byReference;

    private ElementFunction(Delegate function, bool byReference)
    {
        Delegate = function;
        _byReference = byReference;
    }

    /// <summary>The user's delegate.</summary>
    public Delegate Delegate { get; }

    /// <summary>What <paramref name="user"/> creates for this function.</summary>
    public TCreated Apply<TUser, TCreated>(TUser user)
        where TUser : IFunctionUser<TCreated> =>
        _byReference ? user.Use<ByReference>(Delegate) : user.Use<ByValue>(Delegate);

    public static ElementFunction<T, TResult> Of(Func<T, TResult> function) => new(function, byReference: false);

    public static ElementFunction<T, TResult> Of(InFunc<T, TResult> function) => new(function, byReference: true);
}
