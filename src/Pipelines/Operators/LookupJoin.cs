using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Enriches each element, as it arrives, with the latest row of its key the table has received so far
/// (processing-time semantics). Port 0 is the stream, port 1 the table's changes. The table keeps one row per key
/// (<see cref="Namespaces.Global"/>); a delete removes it. Results carry the element's event time. Which row an
/// element sees depends on how the two inputs interleave, so results can differ between runs and executors.
/// In the left variant an element without a row is emitted with <c>default</c> for the row.
/// </summary>
internal sealed class LookupJoin<T, TKey, TRow, TOut> : KeyedTwoInputStage<T, Change<TKey, TRow>, TKey>
    where TKey : notnull
{
    private readonly Func<T, TKey> _key;
    private readonly bool _keepUnmatched;
    private readonly Func<T, TRow?, TOut> _selector;
    private readonly Output<TOut> _output;
    private readonly StateTable<TKey, TRow?> _rows;

    public LookupJoin(Func<T, TKey> key, bool keepUnmatched, Func<T, TRow?, TOut> selector, Output<TOut> output, OperatorContext context)
        : base(context, [output])
    {
        (_key, _keepUnmatched, _selector, _output) = (key, keepUnmatched, selector, output);
        _rows = State.KeyValues<TRow?>("rows");
        CheckpointStateAs("rows", (serializers, op) => new OptionalCodec<TRow>(serializers.Require<TRow>(op, "table row")));
    }

    protected override Func<T, TKey> LeftKeySelector => _key;

    protected override Func<Change<TKey, TRow>, TKey> RightKeySelector => ChangeKey;

    /// <summary>A table change's key.</summary>
    private static readonly Func<Change<TKey, TRow>, TKey> ChangeKey = change => change.Key;

    protected override void OnLeft(T value, long timestamp)
    {
        int key = KeyIds.IndexOf(Keys.NotNull(_key(value)));
        int entry = key >= 0 ? _rows.Find(key, Namespaces.Global) : -1;
        if (entry >= 0) _output.Emit(_selector(value, _rows.Value(entry)), timestamp);
        else if (_keepUnmatched) _output.Emit(_selector(value, default), timestamp);
    }

    protected override void OnRight(Change<TKey, TRow> change, long timestamp)
    {
        int key = KeyIds.GetOrAdd(Keys.NotNull(change.Key));
        if (change.IsDelete)
        {
            _rows.Remove(key, Namespaces.Global);
            KeyIds.ReleaseIfUnreferenced(key);
            return;
        }

        _rows.Value(_rows.GetOrAdd(key, Namespaces.Global, out _)) = change.Row;

        // Rows can be asked for by any later element: without checkpoint storage a barrier cannot pass a stage that
        // holds a table (as with a process function); with it, the state is snapshotted and the barrier passes.
        ExtendHorizon(long.MaxValue);
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
    }
}
