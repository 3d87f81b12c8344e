using System.Runtime.CompilerServices;
using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// <c>Where</c> followed by <c>Select</c>, fused at plan time into one operator (as LINQ's WhereSelect iterators are).
/// </summary>
/// <remarks>
/// A batch is filtered first and projected second: the predicate records the indexes of the passing elements,
/// then the selector runs over those. Neither loop has a branch that depends on the data, so a predicate that
/// passes about half the elements at random costs no mispredicted branches. Each function is still called once
/// per element, in element order, the selector only for elements the predicate passed, and errors are handled
/// in element order; only the interleaving of the two functions' calls differs from a one-element-at-a-time
/// loop (the predicate of a later element in the batch may run before the selector of an earlier one).
/// </remarks>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
/// <typeparam name="TSite">The call site of the pair (<see cref="CallSites"/>, by the selector): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TPredicate">How the predicate takes its element (<see cref="IFunctionKind"/>).</typeparam>
/// <typeparam name="TSelector">How the selector takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class WhereSelect<TIn, TOut, TSite, TPredicate, TSelector>(Delegate predicate, Delegate selector, Output<TOut> output, OperatorContext context, Diagnostics.OperatorTelemetry whereCounts)
    : StatelessOperator<TIn, TOut>(output, context), ISpanTarget<TIn>
    where TSite : struct
    where TPredicate : struct, IFunctionKind
    where TSelector : struct, IFunctionKind
{
    private readonly Func<TIn, bool>? _predicateValue = predicate as Func<TIn, bool>;
    private readonly InFunc<TIn, bool>? _predicateReference = predicate as InFunc<TIn, bool>;

    private readonly Func<TIn, TOut>? _selectorValue = selector as Func<TIn, TOut>;
    private readonly InFunc<TIn, TOut>? _selectorReference = selector as InFunc<TIn, TOut>;

    /// <summary>Indexes of the passing elements of the batch being processed.</summary>
    private int[] _picked = [];

    /// <summary>Index of the element the running loop is at: where a user function threw.</summary>
    private int _at;

    public override void OnBatch(Batch<TIn> batch)
    {
        if (batch.HasOrigins) OnTracked(batch);
        else Process(new ReadOnlySpan<TIn>(batch.Values, 0, batch.Count), new ReadOnlySpan<long>(batch.Timestamps, 0, batch.Count));
    }

    /// <summary>
    /// A batch on its way to an exchange that drops elements read twice: one element at a time, each result keeping
    /// its element's origin; a failure is handled under this operator's policy as in the batch path.
    /// </summary>
    private void OnTracked(Batch<TIn> batch)
    {
        TIn[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        ElementOrigin[] origins = batch.Origins!;
        var keepValue = _predicateValue;
        var keepReference = _predicateReference;
        var selectValue = _selectorValue;
        var selectReference = _selectorReference;
        int kept = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                if (!(typeof(TPredicate) == typeof(ByValue) ? keepValue!(values[i]) : keepReference!(in values[i]))) continue;
                kept++;
                Output.Emit(typeof(TSelector) == typeof(ByValue) ? selectValue!(values[i]) : selectReference!(in values[i]), stamps[i], origins[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
        }

        if (kept > 0) whereCounts.ElementsOut(kept);
        Output.Flush();
    }

    public void OnSpan(ReadOnlySpan<TIn> values, ReadOnlySpan<long> timestamps) => Process(values, timestamps);

    private void Process(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps)
    {
        var dst = Output.Reserve(values.Length);
        if (_picked.Length < values.Length) _picked = new int[Math.Max(values.Length, Context.BatchSize)];
        int[] picked = _picked;
        int i = 0, kept = 0;
        while (i < values.Length)
        {
            int passed;
            Exception? error = null;
            try
            {
                passed = Filter(values, i, picked);
                i = values.Length;
            }
            catch (Exception ex)
            {
                error = ex;
                i = _at;
                passed = RecordedBefore(picked, i);
            }

            kept += passed;
            Project(values, stamps, picked, passed, dst);
            if (error is not null)
            {
                Context.Errors.Handle(error, values[i], stamps[i]);
                i++;
            }
        }

        // The Where's output, as if it had its own (the Select's output counts itself).
        if (kept > 0) whereCounts.ElementsOut(kept);
        Output.Flush();
    }

    /// <summary>Writes the indexes of the elements from <paramref name="from"/> on that pass the predicate; returns how many.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Filter(ReadOnlySpan<TIn> values, int from, int[] picked)
    {
        var keepValue = _predicateValue;
        var keepReference = _predicateReference;
        int m = 0;
        for (int i = from; i < values.Length; i++)
        {
            _at = i;
            picked[m] = i;
            m += (typeof(TPredicate) == typeof(ByValue) ? keepValue!(values[i]) : keepReference!(in values[i])) ? 1 : 0;
        }

        return m;
    }

    /// <summary>
    /// How many indexes <see cref="Filter"/> recorded before the element at <paramref name="failed"/> threw: they
    /// increase, and the failing one was written right after them. (A helper, so the exception handler has no
    /// loop: a loop there would keep the JIT from tiering the method up with profile data.)
    /// </summary>
    private static int RecordedBefore(int[] picked, int failed)
    {
        int m = 0;
        while (picked[m] != failed) m++;
        return m;
    }

    /// <summary>Appends the selector's results for the first <paramref name="passed"/> recorded indexes, handling each failure.</summary>
    private void Project(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int[] picked, int passed, Batch<TOut> dst)
    {
        int j = 0;
        while (j < passed)
        {
            int from = j, buffered = dst.Count;
            try
            {
                j = ProjectRun(values, stamps, picked, from, passed, dst);
            }
            catch (Exception ex)
            {
                // Every result before the failing element is in the buffer.
                j = _at;
                dst.Count = buffered + (j - from);
                int k = picked[j];
                Context.Errors.Handle(ex, values[k], stamps[k]);
                j++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ProjectRun(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int[] picked, int from, int passed, Batch<TOut> dst)
    {
        var selectValue = _selectorValue;
        var selectReference = _selectorReference;
        TOut[] outValues = dst.Values;
        long[] outStamps = dst.Timestamps;
        int n = dst.Count;
        for (int j = from; j < passed; j++)
        {
            _at = j;
            int k = picked[j];
            outValues[n] = typeof(TSelector) == typeof(ByValue) ? selectValue!(values[k]) : selectReference!(in values[k]);
            outStamps[n] = stamps[k];
            n++;
        }

        dst.Count = n;
        return passed;
    }
}
