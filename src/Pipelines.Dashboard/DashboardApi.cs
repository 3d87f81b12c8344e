using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Pipelines.Dashboard.Kafka;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard;

/// <summary>The dashboard's JSON API: the list of runs, and one run's graph, live counters, rates, checkpoints, history and Kafka partitions.</summary>
internal sealed class DashboardApi(DashboardSampler sampler)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public IResult Runs(HttpContext context)
    {
        NoCache(context);
        var runs = PipelineMonitor.Runs.Select(r => Summary(r, r.Snapshot())).ToList();
        return Results.Json(runs, Json);
    }

    public IResult Run(long id, HttpContext context)
    {
        NoCache(context);
        if (PipelineMonitor.Find(id) is not { } run)
        {
            return Results.Json(new { error = $"No run {id} is listed: it never existed or ended too long ago." }, Json, statusCode: StatusCodes.Status404NotFound);
        }

        var now = run.Snapshot();
        var samples = sampler.SamplesOf(id);
        bool live = now.State is RunState.Running or RunState.Draining;
        var (previous, latest) = live && samples.Count >= 2 ? (samples[^2], samples[^1]) : (null, null); // an ended run has no rates
        var nodes = run.Nodes.Select((node, i) => Node(node, now.Nodes[i], previous, latest, i)).ToList();
        var byId = now.Nodes.ToDictionary(n => n.Id);
        var edges = run.Edges.Select(e => new EdgeView(e.From, e.To, e.Channel, e.ByKey,
            e.Channel ? byId[e.To].QueuedMessages : null, e.Channel ? byId[e.To].QueueCapacity : null)).ToList();
        var checkpoints = new CheckpointsView(now.CheckpointsCompleted, now.CheckpointsFailed, CheckpointView.Of(now.LastCompletedCheckpoint),
            now.RecentCheckpoints.Select(c => CheckpointView.Of(c)!).ToList());
        return Results.Json(new RunView(Summary(run, now), nodes, edges, checkpoints, History(samples), KafkaView.Of(run, sampler.Kafka)), Json);
    }

    /// <summary>
    /// The run's summary as of <paramref name="now"/>: its error and end only when that snapshot is the final one (the
    /// run may end between the snapshot and this, and a summary of a running run with an end time contradicts itself).
    /// </summary>
    private static RunSummaryView Summary(MonitoredRun run, RunSnapshot now)
    {
        bool ended = now.State is not (RunState.Running or RunState.Draining);
        return new(
            run.Id, run.Pipeline, run.Executor, now.State, ended && run.Error is { } e ? $"{e.GetType().Name}: {e.Message}" : null,
            run.StartedAt, ended ? run.EndedAt : null, now.Uptime.TotalSeconds, now.Totals.ElementsRead, now.Totals.ResultsWritten,
            now.Totals.LateElementsDropped, now.Totals.ElementsSkipped, now.Totals.ElementsDeadLettered, now.CheckpointsCompleted);
    }

    private static NodeView Node(GraphNode node, NodeSnapshot now, Sample? previous, Sample? latest, int index)
    {
        double? seconds = previous is null || latest is null ? null : (latest.At - previous.At).TotalSeconds;
        NodeSnapshot? a = previous?.Snapshot.Nodes[index], b = latest?.Snapshot.Nodes[index];
        double? Rate(Func<NodeSnapshot, double> value) => seconds > 0 && a is not null && b is not null ? Math.Max(0, (value(b) - value(a)) / seconds.Value) : null;
        // Milliseconds per second of the task's own time (busy, backpressured and idle add up to it, per worker): the
        // task clocks are stopwatches, and dividing by seconds of the application's clock (a TimeProvider that is not
        // the system's) gave shares far above 1000 or near 0.
        double? Share(Func<NodeSnapshot, TimeSpan> time)
        {
            if (!node.HasTask || a is null || b is null) return null;
            double Delta(Func<NodeSnapshot, TimeSpan> t) => t(b).TotalMilliseconds - t(a).TotalMilliseconds;
            double total = Delta(n => n.BusyTime) + Delta(n => n.BackpressuredTime) + Delta(n => n.IdleTime);
            return total > 0 ? Math.Clamp(Delta(time) / total * 1000, 0, 1000) : null;
        }

        return new NodeView(node.Id, node.Name, node.Kind, node.Parallelism, node.Detail, node.HasTask,
            now.ElementsIn, now.ElementsOut, Rate(n => n.ElementsIn), Rate(n => n.ElementsOut),
            Share(n => n.BusyTime), Share(n => n.BackpressuredTime), Share(n => n.IdleTime),
            now.Watermark, now.WatermarkLag?.TotalMilliseconds, now.QueuedMessages, now.QueueCapacity);
    }

    private static List<HistoryPoint> History(IReadOnlyList<Sample> samples)
    {
        var points = new List<HistoryPoint>(samples.Count);
        for (int i = 1; i < samples.Count; i++)
        {
            var (a, b) = (samples[i - 1], samples[i]);
            double seconds = (b.At - a.At).TotalSeconds;
            if (seconds <= 0) continue;
            var lags = b.Snapshot.Nodes.Where(n => n.WatermarkLag is not null).Select(n => n.WatermarkLag!.Value.TotalMilliseconds).ToList();
            points.Add(new HistoryPoint(
                b.At.ToUnixTimeMilliseconds(),
                Math.Max(0, (b.Snapshot.Totals.ElementsRead - a.Snapshot.Totals.ElementsRead) / seconds),
                Math.Max(0, (b.Snapshot.Totals.ResultsWritten - a.Snapshot.Totals.ResultsWritten) / seconds),
                lags.Count > 0 ? lags.Max() : null));
        }

        return points;
    }

    private static void NoCache(HttpContext context) => context.Response.Headers.CacheControl = "no-store";
}
