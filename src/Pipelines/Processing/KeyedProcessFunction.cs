namespace Pipelines;

/// <summary>
/// Your own stateful logic per key, on the same state and timer services the built-in windows and joins use (the
/// role of Flink's <c>KeyedProcessFunction</c>): running totals, deduplication, per-key timeouts, small state
/// machines. Use it with <see cref="KeyedStream{T,TKey}.Process{TResult}"/>.
/// </summary>
/// <remarks>
/// <para>One instance runs per worker of the stage (the factory given to <c>Process</c> creates them), and all
/// calls on it come from one thread at a time. <see cref="Open"/> declares the state once; the handles it returns
/// always read and write the state of the key being processed.</para>
/// <para>Elements arrive with their event times, late ones included (compare
/// <see cref="KeyedProcessContext{TKey,TResult}.Timestamp"/> with
/// <see cref="KeyedProcessContext{TKey,TResult}.Watermark"/> to tell). Event-time timers fire when the watermark
/// reaches them — under the bounded executor all at the end of input, in time order; processing-time timers fire
/// when the run's clock reaches them (within about 10 ms) and, at the end of input, any still registered fire
/// too, so a bounded run and a streaming run over the same data end with the same results.</para>
/// <para>When <see cref="ProcessElement"/> or <see cref="OnTimer"/> throws, what it emitted in that call is
/// withdrawn and the pipeline's error policy applies (fail, skip or dead-letter the element; a failing timer is
/// reported as (key, time)). State it changed before throwing stays changed.</para>
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
public abstract class KeyedProcessFunction<TKey, TIn, TResult>
    where TKey : notnull
{
    /// <summary>Declares the state this function uses, once per worker before any element.</summary>
    /// <param name="state">Where state is declared.</param>
    public virtual void Open(KeyedStateRegistry state)
    {
    }

    /// <summary>One element of the current key.</summary>
    /// <param name="element">The element.</param>
    /// <param name="context">The key, times, output and timers.</param>
    public abstract void ProcessElement(TIn element, KeyedProcessContext<TKey, TResult> context);

    /// <summary>A timer of the current key fired.</summary>
    /// <param name="time">The time the timer was registered for.</param>
    /// <param name="domain">The clock it followed.</param>
    /// <param name="context">The key, times, output and timers.</param>
    public virtual void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<TKey, TResult> context)
    {
    }
}
