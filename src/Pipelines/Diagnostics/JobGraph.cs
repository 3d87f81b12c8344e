using Pipelines.Plan;
using Pipelines.Time;

namespace Pipelines.Diagnostics;

/// <summary>Turns a pipeline's plan into the job graph <see cref="MonitoredRun"/> shows, and its telemetry into node counters.</summary>
internal static class JobGraph
{
    /// <summary>How a node's counters are found: its name in the telemetry, and how its input is counted.</summary>
    internal sealed record Parts(string Name, int[] Upstream, bool IsSource, bool IsStage, bool IsSink, bool IsUnion);

    public static (IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges, IReadOnlyList<Parts> Parts) Of(Pipeline pipeline, bool streaming, int parallelism, IReadOnlySet<Node>? chained = null)
    {
        var nodes = pipeline.Nodes.Where(n => n.ReachesSink).ToList();
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) index[nodes[i]] = i;

        var operatorIds = OperatorIds.Derive(pipeline.Nodes);
        var graph = new List<GraphNode>(nodes.Count);
        var parts = new List<Parts>(nodes.Count);
        var edges = new List<GraphEdge>();
        var instances = new int[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            int[] upstream = [.. node.Upstream.Where(index.ContainsKey).Select(u => index[u])];
            bool isSource = node is ISourceNode, isSink = node is ISinkNode, isStage = node is IStageNode;
            bool keyed = node is IStageNode { IsKeyed: true } && streaming;
            bool ownTask = streaming && (isSource || isStage) && chained?.Contains(node) != true;
            instances[i] = isSource || isSink ? 1 : keyed ? parallelism : isStage ? 1 : Math.Max(1, upstream.Sum(u => instances[u]));
            string? detail = node switch
            {
                ISourceNode source => source.SourceName,
                ISinkNode sink => sink.SinkName,
                _ => null,
            };
            graph.Add(new GraphNode(Id(node), node.Name, isSource ? NodeKind.Source : isSink ? NodeKind.Sink : NodeKind.Operator,
                instances[i], detail, ownTask)
            {
                OperatorId = operatorIds.TryGetValue(node, out var operatorId) ? operatorId.Value : null,
            });
            parts.Add(new Parts(node.Name, upstream, isSource, isStage, isSink, IsUnion(node)));
            foreach (int u in upstream)
            {
                edges.Add(new GraphEdge(Id(nodes[u]), Id(node), ownTask && isStage, keyed && parallelism > 1));
            }
        }

        return (graph, edges, parts);
    }

    public static RunSnapshot Measure(IReadOnlyList<GraphNode> graph, IReadOnlyList<Parts> parts, RunTelemetry telemetry, Runtime.RunCounters counters,
        int channelCapacity, RunState state, DateTimeOffset startedAt)
    {
        var now = telemetry.TimeProvider.GetUtcNow();
        var byName = telemetry.Operators.ToLookup(o => o.Operator);
        var assigned = telemetry.AssignedWatermarks().ToLookup(w => w.Operator, w => w.Watermark);
        var workers = telemetry.StageWorkers().ToLookup(w => w.Stage);
        long nowTicks = EventTime.FromDateTimeOffset(now);

        var outs = new long[parts.Count];
        var watermarks = new long[parts.Count];
        var snapshots = new NodeSnapshot[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            var ops = byName[part.Name];
            long received = part.IsStage ? ops.Sum(o => o.In) : part.Upstream.Sum(u => outs[u]);
            long emitted = ops.Sum(o => o.Out);
            if (part.IsSource) received = emitted;
            if (part.IsSink || part.IsUnion) emitted = received;
            outs[i] = emitted;

            TimeSpan busy = TimeSpan.Zero, backpressured = TimeSpan.Zero, idle = TimeSpan.Zero;
            foreach (var op in ops)
            {
                if (op.ClockIfStarted is not { } clock) continue;
                var t = clock.Read();
                busy += t.Busy;
                backpressured += t.Backpressured;
                idle += t.Idle;
            }

            var stageWorkers = workers[part.Name].ToList();
            var own = assigned[part.Name].Concat(stageWorkers.Select(w => w.Watermark)).ToList();
            watermarks[i] = own.Count > 0 ? own.Min()
                : part.Upstream.Length > 0 ? part.Upstream.Min(u => watermarks[u])
                : EventTime.MinWatermark;
            bool known = watermarks[i] is not (EventTime.MinWatermark or EventTime.MaxWatermark);
            snapshots[i] = new NodeSnapshot
            {
                Id = graph[i].Id,
                ElementsIn = received,
                ElementsOut = emitted,
                BusyTime = busy,
                BackpressuredTime = backpressured,
                IdleTime = idle,
                Watermark = known ? EventTime.ToDateTimeOffset(watermarks[i]) : null,
                WatermarkLag = known ? TimeSpan.FromTicks(nowTicks - watermarks[i]) : null,
                QueuedMessages = stageWorkers.Sum(w => w.Occupancy),
                QueueCapacity = stageWorkers.Count * channelCapacity,
            };
        }

        var uptime = now - startedAt;
        return new RunSnapshot
        {
            Time = now,
            State = state,
            Uptime = uptime,
            Totals = counters.ToSummary(uptime),
            Nodes = snapshots,
        };
    }

    private static string Id(Node node) => node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsUnion(Node node) => node.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(UnionNode<>);
}
