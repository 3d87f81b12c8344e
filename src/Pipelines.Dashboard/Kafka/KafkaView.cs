using Pipelines.Diagnostics;

namespace Pipelines.Dashboard.Kafka;

/// <summary>
/// The Kafka partitions of one run: the partitions read by its Kafka sources (matched by the <c>source</c> tag, the
/// source's name in the run's graph), the partitions of the repartition topics it writes and reads, and the state its
/// keyed stages restored for their partitions (matched by operator id, placed on the repartition topic upstream).
/// The metrics are per process, not per run: two runs in one process that read the same topic show the same rows.
/// </summary>
internal static class KafkaView
{
    /// <summary>The name of a repartition topic's reader and writer in a run's graph: <c>repartition:&lt;topic&gt;</c>.</summary>
    public const string RepartitionPrefix = "repartition:";

    public static KafkaRunView Of(MonitoredRun run, KafkaPartitionListener listener)
    {
        var (partitions, restores) = listener.Snapshot();
        var sources = run.Nodes.Where(n => n.Kind == NodeKind.Source && n.Detail is not null).Select(n => n.Detail!).ToHashSet(StringComparer.Ordinal);
        var exchanged = run.Nodes.Where(n => n.Kind is NodeKind.Source or NodeKind.Sink && n.Detail?.StartsWith(RepartitionPrefix, StringComparison.Ordinal) == true)
            .Select(n => n.Detail![RepartitionPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
        var rows = partitions.Where(p => p.Sources.Overlaps(sources) || exchanged.Contains(p.Topic))
            .ToDictionary(p => (p.Topic, p.Partition), p => new Row(p));

        var byOperator = run.Nodes.Where(n => n.OperatorId is not null).ToDictionary(n => n.OperatorId!, StringComparer.Ordinal);
        foreach (var restore in restores)
        {
            if (!byOperator.TryGetValue(restore.OperatorId, out var node)) continue;
            string topic = RepartitionTopicUpstreamOf(run, node) ?? $"state of {node.Name}";
            if (!rows.TryGetValue((topic, restore.Partition), out var row)) rows[(topic, restore.Partition)] = row = new Row(new KafkaPartitionState(topic, restore.Partition) { IsRepartition = true });
            row.Restores += restore.Restores;
            row.RestoreMs = restore.LastMilliseconds ?? row.RestoreMs;
            row.RestoreBytes = restore.LastBytes ?? row.RestoreBytes;
        }

        return new KafkaRunView([.. rows.Values.OrderBy(r => r.State.IsRepartition).ThenBy(r => r.State.Topic, StringComparer.Ordinal).ThenBy(r => r.State.Partition).Select(r => r.View())]);
    }

    /// <summary>The topic of the repartition reader upstream of a keyed stage (through fused operators), or null.</summary>
    private static string? RepartitionTopicUpstreamOf(MonitoredRun run, GraphNode node)
    {
        var byId = run.Nodes.ToDictionary(n => n.Id);
        var seen = new HashSet<string>();
        var pending = new Queue<string>([node.Id]);
        while (pending.TryDequeue(out string? id))
        {
            if (!seen.Add(id)) continue;
            var current = byId[id];
            if (current.Kind == NodeKind.Source)
            {
                if (current.Detail?.StartsWith(RepartitionPrefix, StringComparison.Ordinal) == true) return current.Detail[RepartitionPrefix.Length..];
                continue;
            }

            foreach (var edge in run.Edges.Where(e => e.To == id)) pending.Enqueue(edge.From);
        }

        return null;
    }

    private sealed class Row(KafkaPartitionState state)
    {
        public KafkaPartitionState State { get; } = state;

        public int Restores { get; set; }

        public double? RestoreMs { get; set; }

        public long? RestoreBytes { get; set; }

        public KafkaPartitionView View() => new(
            State.Topic, State.Partition, State.IsRepartition, [.. State.Sources], [.. State.Groups],
            State.Lag is not null || State.CommittedOffset is not null, State.Lag, State.CommittedOffset, State.RecordsRead, State.RecordsPerSecond,
            State.Assigned, State.Revoked, State.RecordsReadAgain, State.RecordsSent, State.RecordsReceived, State.DuplicatesDropped, State.WatermarkLagSeconds, Restores, RestoreMs, RestoreBytes);
    }
}
