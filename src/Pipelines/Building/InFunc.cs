namespace Pipelines;

/// <summary>
/// A function of an element that reads it where it is (an <c>in</c> parameter) instead of receiving a copy: for
/// <c>Where</c> and <c>Select</c> over large structs, written <c>(in e) =&gt; e.Price &gt; 100</c>. A function that takes
/// a struct by value receives a copy of the whole element for every call the runtime does not inline (a method
/// group, or a call site shared by several functions), and often even when it does; read by reference, only the
/// fields it uses are loaded.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
/// <param name="value">The element; read-only, and only for the duration of the call.</param>
/// <returns>The function's result.</returns>
public delegate TResult InFunc<T, out TResult>(in T value);
