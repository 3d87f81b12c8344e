using System.Text.Json;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Plan;

namespace Pipelines;

/// <summary>
/// Defines a pipeline once: sources with <see cref="From{T}"/>, operators on the returned streams, sinks with
/// <see cref="DataStream{T}.To"/>, then <see cref="Build"/>. The result runs on either executor.
/// </summary>
public sealed class PipelineBuilder
{
    private readonly List<Node> _nodes = [];
    private ErrorPolicy _errorPolicy = ErrorPolicy.Fail;
    private Sink<DeadLetter>? _deadLetterSink;
    private readonly StateSerializerRegistry _stateSerializers = new();
    private int _nextId;
    private int _nextExchange;
    private bool _built;

    /// <summary>Starts a pipeline definition.</summary>
    /// <param name="name">The pipeline's name in metrics, traces and logs (default "pipeline").</param>
    public PipelineBuilder(string? name = null)
    {
        if (name is not null) ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name ?? "pipeline";
    }

    /// <summary>The pipeline's name.</summary>
    public string Name { get; }

    /// <summary>Adds a source and returns its stream.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="source">The source; see <see cref="Sources"/>.</param>
    public DataStream<T> From<T>(Source<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new DataStream<T>(this, Add(new SourceNode<T>(NextId(), source) { ErrorPolicy = source.BadRecordPolicy }));
    }

    /// <summary>The error policy of every operator that does not set its own (default <see cref="ErrorPolicy.Fail"/>).</summary>
    /// <param name="policy">The policy.</param>
    public PipelineBuilder OnError(ErrorPolicy policy)
    {
        EnsureOpen();
        _errorPolicy = policy;
        return this;
    }

    /// <summary>Where elements go whose operator fails under <see cref="ErrorPolicy.DeadLetter"/>.</summary>
    /// <param name="sink">The dead-letter sink.</param>
    public PipelineBuilder WithDeadLetterSink(Sink<DeadLetter> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        EnsureOpen();
        _deadLetterSink = sink;
        return this;
    }

    /// <summary>
    /// Checkpoints write every state of type <typeparamref name="T"/> (keys, accumulators, elements windows and joins
    /// hold, process function state) with <paramref name="serializer"/>, instead of the built-in binary form of
    /// numbers, strings, GUIDs and times or System.Text.Json for other types. Needed for a type System.Text.Json
    /// cannot write and read back, and under native AOT (pass a source-generated contract:
    /// <c>StateSerializers.Json(MyContext.Default.MyState)</c>).
    /// </summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="serializer">The serializer; see <see cref="StateSerializers"/>.</param>
    public PipelineBuilder WithStateSerializer<T>(StateSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        EnsureOpen();
        _stateSerializers.Register(serializer);
        return this;
    }

    /// <summary>
    /// The System.Text.Json options checkpoints write state types with when they have no serializer of their own
    /// (default: fields included, reflection-based). Give options with a source-generated resolver for native AOT.
    /// </summary>
    /// <param name="options">The options; the pipeline keeps a read-only copy.</param>
    public PipelineBuilder WithStateJsonOptions(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureOpen();
        _stateSerializers.UseJson(options);
        return this;
    }

    /// <summary>
    /// Validates the graph and returns the pipeline. Fails when there is no sink, when a source reaches no sink,
    /// when two operators have the same <see cref="DataStream{T}.Uid"/>, or when <see cref="ErrorPolicy.DeadLetter"/> is used without a dead-letter sink. The builder cannot be
    /// changed afterwards.
    /// </summary>
    public Pipeline Build()
    {
        EnsureOpen();
        var sinks = _nodes.OfType<ISinkNode>().ToList();
        if (sinks.Count == 0)
        {
            throw new InvalidOperationException("The pipeline has no sink: call To(...) on at least one stream, e.g. stream.To(Sinks.Collection(list)).");
        }

        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            var node = _nodes[i];
            node.ReachesSink = node is ISinkNode
                || node.Consumers.Any(c => c.ReachesSink)
                || (node is IHasSideOutput side && side.SideOutputs.Any(o => o.ReachesSink));
        }

        var sources = _nodes.OfType<ISourceNode>().ToList();
        var unconnected = sources.Where(s => !s.ReachesSink).Select(s => s.SourceName).ToList();
        if (unconnected.Count > 0)
        {
            throw new InvalidOperationException(
                $"Source(s) {string.Join(", ", unconnected.Select(n => $"'{n}'"))} reach no sink: connect a stream derived from each source to a sink with To(...), or remove the source.");
        }

        var uids = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            if (node.Uid is not { } uid) continue;
            if (!uids.TryAdd(uid, node))
            {
                throw new InvalidOperationException(
                    $"Operators '{uids[uid].Name}' and '{node.Name}' have the same uid '{uid}': checkpoints store state by uid, so give each operator its own.");
            }
        }

        var deadLetterUsers = _nodes.Where(n => n.ReachesSink && (n.ErrorPolicy ?? _errorPolicy) == ErrorPolicy.DeadLetter).ToList();
        if (deadLetterUsers.Count > 0 && _deadLetterSink is null)
        {
            throw new InvalidOperationException(
                $"ErrorPolicy.DeadLetter is set (operators: {string.Join(", ", deadLetterUsers.Take(5))}) but there is no dead-letter sink: call PipelineBuilder.WithDeadLetterSink(...).");
        }

        _built = true;
        return new Pipeline(Name, [.. _nodes], _errorPolicy, _deadLetterSink) { StateSerializers = _stateSerializers };
    }

    internal int NextId()
    {
        EnsureOpen();
        return ++_nextId;
    }

    internal int NextExchange() => _nextExchange++;

    internal TNode Add<TNode>(TNode node)
        where TNode : Node
    {
        EnsureOpen();
        _nodes.Add(node);
        if (node is IHasSideOutput side) _nodes.AddRange(side.SideOutputs);
        return node;
    }

    internal void EnsureOpen()
    {
        if (_built) throw new InvalidOperationException("This PipelineBuilder has already built its pipeline; start a new PipelineBuilder to define another.");
    }
}
