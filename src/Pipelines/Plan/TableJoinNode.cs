using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>
/// A join of a stream with a table: one stage with two keyed inputs, the stream on port 0 and the table's changes
/// on port 1 (partitioned by the same key rule, so a key's elements and rows meet on one worker). Temporal joins
/// send late elements and late changes to side outputs; lookup joins have no lateness.
/// </summary>
internal sealed class TableJoinNode<T, TKey, TRow, TOut> : Node<TOut>, IStageNode, IJoinNode<T, Change<TKey, TRow>>
    where TKey : notnull
{
    private readonly Node<T> _stream;
    private readonly Node<Change<TKey, TRow>> _changes;
    private readonly Func<T, TKey> _streamKey;
    private readonly bool _temporal;
    private readonly bool _keepUnmatched;
    private readonly long _allowedLateness;
    private readonly Func<T, TRow?, TOut> _selector;

    public TableJoinNode(Func<int> nextId, string verb, Node<T> stream, Func<T, TKey> streamKey, Node<Change<TKey, TRow>> changes, bool temporal, bool keepUnmatched, long allowedLateness, Func<T, TRow?, TOut> selector)
        : base(nextId(), verb, hasEventTime: stream.HasEventTime)
    {
        (_stream, _streamKey, _changes, _temporal, _keepUnmatched, _allowedLateness, _selector) = (stream, streamKey, changes, temporal, keepUnmatched, allowedLateness, selector);
        LateLeft = new LateNode<T>(nextId(), this, stream.HasEventTime, "LateElements");
        LateRight = new LateNode<Change<TKey, TRow>>(nextId(), this, changes.HasEventTime, "LateChanges");
        stream.Consumers.Add(new KeyedPort<T, TKey>(this, 0, streamKey));
        changes.Consumers.Add(new KeyedPort<Change<TKey, TRow>, TKey>(this, 1, static c => c.Key));
    }

    public LateNode<T> LateLeft { get; }

    public LateNode<Change<TKey, TRow>> LateRight { get; }

    public IReadOnlyList<Node> SideOutputs => [LateLeft, LateRight];

    public bool IsKeyed => true;

    public override IEnumerable<Node> Upstream => [_stream, _changes];

    public StageOperator CreateOperator(WorkerContext context) => _temporal
        ? new TemporalJoin<T, TKey, TRow, TOut>(
            _streamKey, _allowedLateness, _keepUnmatched, _selector, BuildOutput(context), LateLeft.BuildOutputIfUsed(context), LateRight.BuildOutputIfUsed(context), context.ContextFor(this))
        : new LookupJoin<T, TKey, TRow, TOut>(_streamKey, _keepUnmatched, _selector, BuildOutput(context), context.ContextFor(this));
}
