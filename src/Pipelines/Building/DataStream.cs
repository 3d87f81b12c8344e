using Pipelines.Operators;
using Pipelines.Plan;

namespace Pipelines;

/// <summary>
/// A stream of elements in a pipeline being defined. Operators return new streams; a stream can feed several
/// operators and sinks. Method names follow LINQ, so C# query syntax (<c>from … where … select</c>) works.
/// Per-element functions may be called from several threads at once under the streaming executor (one copy of
/// the operator per producer), so they should not share mutable state.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public partial class DataStream<T>
{
    internal DataStream(PipelineBuilder builder, Node<T> node)
    {
        Builder = builder;
        Node = node;
    }

    /// <summary>The name of the operator producing this stream (used in errors, metrics and <see cref="Pipeline.ToString"/>).</summary>
    public string Name => Node.Name;

    /// <summary>Whether the elements carry event times.</summary>
    public bool HasEventTime => Node.HasEventTime;

    internal PipelineBuilder Builder { get; }

    internal Node<T> Node { get; }

    /// <summary>Names the operator producing this stream.</summary>
    /// <param name="name">A non-empty name.</param>
    public DataStream<T> Named(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Builder.EnsureOpen();
        Node.Name = name;
        return this;
    }

    /// <summary>
    /// Gives the operator producing this stream a stable id (Flink's <c>uid()</c>): its state is stored under this id
    /// in checkpoints and savepoints, and restored into the operator with the same id. Without one the id is derived
    /// from the operator's kind and its place in the graph, which changes when an operator is added or removed
    /// upstream; set one on every stateful operator (windows, joins, <c>Process</c>, <c>Scan</c>, <c>Distinct</c>)
    /// and source of a pipeline you mean to change and restart from a savepoint. <see cref="PipelineBuilder.Build"/>
    /// refuses two operators with the same id.
    /// </summary>
    /// <param name="uid">A non-empty id, unique within the pipeline, that stays the same across versions of the pipeline.</param>
    public DataStream<T> Uid(string uid)
    {
        SetUid(uid);
        return this;
    }

    /// <summary>Sets <see cref="Node.Uid"/>; shared by the result streams that return their own type.</summary>
    private protected void SetUid(string uid)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uid);
        Builder.EnsureOpen();
        Node.Uid = uid;
    }

    /// <summary>Overrides the pipeline's <see cref="ErrorPolicy"/> for the operator producing this stream.</summary>
    /// <param name="policy">The policy.</param>
    public DataStream<T> OnError(ErrorPolicy policy)
    {
        Builder.EnsureOpen();
        Node.ErrorPolicy = policy;
        return this;
    }

    /// <summary>
    /// Assigns event times and the watermark strategy. Windows and joins need event time. Under the streaming
    /// executor the watermark follows <paramref name="strategy"/>; under the bounded executor it jumps to +∞ at
    /// end of input, so nothing is late.
    /// </summary>
    /// <param name="timestamp">The element's event time.</param>
    /// <param name="strategy">How the watermark follows event times; see <see cref="Watermarks"/>.</param>
    public DataStream<T> WithEventTime(Func<T, DateTimeOffset> timestamp, WatermarkStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(strategy);
        return Derive(new AssignTimestampsNode<T>(Builder.NextId(), Node, ElementFunction<T, DateTimeOffset>.Of(timestamp), strategy));
    }

    /// <summary>Assigns event times, read from each element where it is, and the watermark strategy.</summary>
    /// <remarks>
    /// For large structs: <c>WithEventTime((in e) =&gt; e.Time, strategy)</c> loads only the time, where a function taking
    /// the element by value may copy all of it for every call (see <see cref="InFunc{T, TResult}"/>). Otherwise the same
    /// as <see cref="WithEventTime(Func{T, DateTimeOffset}, WatermarkStrategy)"/>.
    /// </remarks>
    /// <param name="timestamp">The element's event time, taking the element by reference; it must not keep the reference.</param>
    /// <param name="strategy">How the watermark follows event times; see <see cref="Watermarks"/>.</param>
    public DataStream<T> WithEventTime(InFunc<T, DateTimeOffset> timestamp, WatermarkStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(strategy);
        return Derive(new AssignTimestampsNode<T>(Builder.NextId(), Node, ElementFunction<T, DateTimeOffset>.Of(timestamp), strategy));
    }

    /// <summary>Keeps the elements for which <paramref name="predicate"/> holds.</summary>
    /// <remarks>
    /// A <c>Where</c> directly followed by a <c>Select</c> runs as one operator that evaluates the predicate for a
    /// batch of elements before it calls the selector for those that passed: each function is called once per
    /// element and in element order, but the calls of the two are not interleaved element by element.
    /// </remarks>
    /// <param name="predicate">The condition: a function of the element alone (see <see cref="Select{TResult}(Func{T, TResult})"/> on when it may be called again).</param>
    public DataStream<T> Where(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Derive(new WhereNode<T>(Builder.NextId(), Node, ElementFunction<T, bool>.Of(predicate)));
    }

    /// <summary>Keeps the elements for which <paramref name="predicate"/> holds, reading each element where it is.</summary>
    /// <remarks>
    /// For large structs: <c>Where((in e) =&gt; e.Kind == Kind.Bid)</c> loads only the fields the predicate reads, where
    /// a predicate taking the element by value may copy all of it for every call (see <see cref="InFunc{T, TResult}"/>).
    /// Otherwise the same as <see cref="Where(Func{T, bool})"/>.
    /// </remarks>
    /// <param name="predicate">The condition, taking the element by reference; it must not keep the reference.</param>
    public DataStream<T> Where(InFunc<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Derive(new WhereNode<T>(Builder.NextId(), Node, ElementFunction<T, bool>.Of(predicate)));
    }

    /// <summary>Maps each element; event times are kept.</summary>
    /// <remarks>
    /// Three or more <c>Where</c> and <c>Select</c> operators in a row run as one loop, each element through all of
    /// them in turn. When one of their functions throws for an element, the selectors before it in that loop are
    /// called once more for that element, to hand the failing operator's error policy the element it saw. Keep these
    /// functions free of side effects, as for LINQ queries that may be enumerated again.
    /// </remarks>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="selector">The mapping: a function of the element alone.</param>
    public DataStream<TResult> Select<TResult>(Func<T, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Derive(new SelectNode<T, TResult>(Builder.NextId(), Node, ElementFunction<T, TResult>.Of(selector)));
    }

    /// <summary>Maps each element, reading it where it is; event times are kept.</summary>
    /// <remarks>
    /// For large structs: <c>Select((in e) =&gt; e.Bid)</c> loads only the fields the selector reads, where a selector
    /// taking the element by value may copy all of it for every call (see <see cref="InFunc{T, TResult}"/>).
    /// Otherwise the same as <see cref="Select{TResult}(Func{T, TResult})"/>.
    /// </remarks>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="selector">The mapping, taking the element by reference; it must not keep the reference.</param>
    public DataStream<TResult> Select<TResult>(InFunc<T, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Derive(new SelectNode<T, TResult>(Builder.NextId(), Node, ElementFunction<T, TResult>.Of(selector)));
    }

    /// <summary>Maps each element to a sequence; its items keep the element's event time.</summary>
    /// <typeparam name="TResult">The item type.</typeparam>
    /// <param name="selector">The mapping.</param>
    public DataStream<TResult> SelectMany<TResult>(Func<T, IEnumerable<TResult>> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Derive(new SelectManyNode<T, TResult>(Builder.NextId(), Node, selector));
    }

    /// <summary>Maps each element to a sequence and combines each item with its element (query syntax: two <c>from</c> clauses).</summary>
    /// <typeparam name="TCollection">The item type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="collectionSelector">The sequence for an element.</param>
    /// <param name="resultSelector">Combines an element and an item.</param>
    public DataStream<TResult> SelectMany<TCollection, TResult>(Func<T, IEnumerable<TCollection>> collectionSelector, Func<T, TCollection, TResult> resultSelector)
    {
        ArgumentNullException.ThrowIfNull(collectionSelector);
        ArgumentNullException.ThrowIfNull(resultSelector);
        return SelectMany(element => collectionSelector(element).Select(item => resultSelector(element, item)));
    }

    /// <summary>Partitions the stream by key, for windows and joins. Under the streaming executor each key is owned by one worker.</summary>
    /// <typeparam name="TKey">The key type; needs consistent equality and hash code.</typeparam>
    /// <param name="keySelector">The element's key.</param>
    public KeyedStream<T, TKey> KeyBy<TKey>(Func<T, TKey> keySelector)
        where TKey : notnull => KeyBy(keySelector, null);

    /// <summary>
    /// Partitions the stream by key, with keys compared by <paramref name="comparer"/> (as
    /// <c>GroupBy(keySelector, comparer)</c> does): keys it calls equal share one state and one worker, and a result
    /// carries one of them (the first its state saw). Both sides of a join need the same comparer.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="keySelector">The element's key.</param>
    /// <param name="comparer">The key equality (<see cref="StringComparer.OrdinalIgnoreCase"/>, say); null for the key type's own.</param>
    /// <remarks>
    /// A run that stores state in checkpoints (<c>StreamingOptions.CheckpointStorage</c>) groups keys by their
    /// serialized form, which a comparer does not follow, so it refuses a stage keyed with one: there, normalize the
    /// key in <paramref name="keySelector"/> instead (<c>e =&gt; e.Region.ToUpperInvariant()</c>).
    /// </remarks>
    public KeyedStream<T, TKey> KeyBy<TKey>(Func<T, TKey> keySelector, IEqualityComparer<TKey>? comparer)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        Builder.EnsureOpen();
        return new KeyedStream<T, TKey>(this, keySelector, comparer);
    }

    /// <summary>Merges this stream with others of the same type; the watermark is the minimum over the inputs.</summary>
    /// <param name="others">The other streams, from the same builder.</param>
    public DataStream<T> Union(params DataStream<T>[] others)
    {
        ArgumentNullException.ThrowIfNull(others);
        if (others.Length == 0) throw new ArgumentException("Union needs at least one other stream.", nameof(others));
        var inputs = new List<DataStream<T>> { this };
        inputs.AddRange(others);
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(others));
            RequireSameBuilder(input, nameof(others));
        }

        bool eventTime = inputs[0].HasEventTime;
        if (inputs.Any(i => i.HasEventTime != eventTime))
        {
            var without = inputs.Where(i => !i.HasEventTime).Select(i => i.Name);
            throw new ArgumentException(
                $"Union mixes streams with and without event time ({string.Join(", ", without)} have none): call WithEventTime on every input.",
                nameof(others));
        }

        var node = new UnionNode<T>(Builder.NextId(), inputs.Select(i => i.Node).ToArray(), eventTime);
        foreach (var input in inputs) input.Node.Consumers.Add(node);
        return new DataStream<T>(Builder, Builder.Add(node));
    }

    /// <summary>Sends the stream to a sink.</summary>
    /// <param name="sink">The sink; see <see cref="Sinks"/>.</param>
    public void To(Sink<T> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var node = new SinkNode<T>(Builder.NextId(), Node, sink);
        node.Attach();
        Builder.Add(node);
    }

    internal void RequireSameBuilder<TOther>(DataStream<TOther> other, string parameterName)
    {
        if (!ReferenceEquals(other.Builder, Builder))
        {
            throw new ArgumentException("The streams belong to different PipelineBuilders; build one pipeline from one builder.", parameterName);
        }
    }

    private DataStream<TResult> Derive<TResult>(StatelessNode<T, TResult> node)
    {
        Node.Consumers.Add(node);
        return new DataStream<TResult>(Builder, Builder.Add(node));
    }
}
