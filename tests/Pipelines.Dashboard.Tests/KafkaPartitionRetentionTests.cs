using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Pipelines.Dashboard.Kafka;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard.Tests;

/// <summary>The Kafka partitions the dashboard keeps: those a listed run shows, not every partition the process ever read.</summary>
public sealed class KafkaPartitionRetentionTests
{
    [Fact]
    public async Task PartitionsNoListedRunShows_AreForgotten_AndThoseOfAListedRunAreKept()
    {
        using var listener = new KafkaPartitionListener();
        using var meter = new Meter(KafkaInstruments.KafkaMeter);
        var assigned = meter.CreateCounter<long>(KafkaInstruments.Assigned);
        string id = Guid.NewGuid().ToString("N")[..8];
        string kept = "kept-source-" + id, gone = "gone-source-" + id, keptTopic = "kept-topic-" + id, goneTopic = "gone-topic-" + id;

        var input = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder("retention-" + id);
        p.From(Sources.Channel(input.Reader, name: kept)).To(Sinks.Action<int>(_ => { }));
        var run = new StreamingExecutor().Start(p.Build());
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!PipelineMonitor.Runs.Any(r => r.Nodes.Any(n => n.Detail == kept)))
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the run to be listed");
                await Task.Delay(10);
            }

            for (int partition = 0; partition < 2; partition++)
            {
                assigned.Add(1, new KeyValuePair<string, object?>("topic", keptTopic), new KeyValuePair<string, object?>("partition", partition), new KeyValuePair<string, object?>("source", kept));
                assigned.Add(1, new KeyValuePair<string, object?>("topic", goneTopic), new KeyValuePair<string, object?>("partition", partition), new KeyValuePair<string, object?>("source", gone));
            }

            string[] Topics() => [.. listener.Snapshot().Partitions.Select(r => r.Topic).Where(t => t.EndsWith(id, StringComparison.Ordinal)).Distinct().Order()];
            Topics().Should().Equal(goneTopic, keptTopic);

            listener.Retain();
            Topics().Should().Equal([keptTopic], "no listed run reads through a source named {0}", gone);
            listener.Snapshot().Partitions.Where(r => r.Topic == keptTopic).Should().HaveCount(2).And.OnlyContain(r => r.Assigned == 1);
        }
        finally
        {
            input.Writer.Complete();
            await run.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
