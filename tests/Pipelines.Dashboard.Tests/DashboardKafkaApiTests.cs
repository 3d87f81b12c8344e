using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Pipelines.Diagnostics;
using Xunit.Abstractions;
using static Pipelines.Dashboard.Tests.DashboardHost;

namespace Pipelines.Dashboard.Tests;

/// <summary>The <c>kafka</c> field of <c>/api/runs/{id}</c>, from pipelines reading librdkafka's mock cluster through a repartition topic.</summary>
public sealed class DashboardKafkaApiTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "pipelines-dashboard-kafka-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_state)) Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task KafkaField_ShowsTheInputAndRepartitionPartitions_AndTheStateRestoredWhenAnInstanceJoins()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        using var kafka = KafkaMock.Start();
        string name = UniqueName("api-kafka"), topic = UniqueName("payments"), group = UniqueName("g"), source = UniqueName("payments-source");
        await kafka.CreateTopicAsync(topic);
        var a = kafka.StartInstance(name, source, topic, group, _state);
        PipelineRun? b = null;
        try
        {
            var runA = await RunNamedAsync(name);
            runA.Nodes.Should().Contain(n => n.Kind == NodeKind.Source && n.Detail == source);
            runA.Nodes.Should().Contain(n => n.OperatorId != null && n.Name.StartsWith("Window", StringComparison.Ordinal), "the keyed stage's operator id tags its restores");
            await kafka.ProducePaymentsAsync(topic, 0, 100);

            // The input partitions: read, committed at checkpoints, caught up; the repartition topic's: sent and received.
            var view = await KafkaUntilAsync(client, runA.Id, partitions =>
            {
                var input = partitions.Where(p => p.GetProperty("topic").GetString() == topic).ToList();
                var exchange = partitions.Where(p => p.GetProperty("repartition").GetBoolean()).ToList();
                return input.Count == KafkaMock.Partitions
                    && input.All(p => p.GetProperty("owned").GetBoolean() && p.GetProperty("committedOffset").ValueKind == JsonValueKind.Number && p.GetProperty("lag").ValueKind == JsonValueKind.Number)
                    && input.Sum(p => p.GetProperty("recordsRead").GetInt64()) == 100
                    && input.Sum(p => p.GetProperty("committedOffset").GetInt64()) == 100
                    && exchange.Count == KafkaMock.Partitions
                    && exchange.Sum(p => p.GetProperty("recordsSent").GetInt64()) == 100
                    && exchange.Sum(p => p.GetProperty("recordsReceived").GetInt64()) == 100
                    && exchange.All(p => p.GetProperty("committedOffset").ValueKind == JsonValueKind.Number);
            }, "A to read, exchange and commit the 100 payments");
            var first = view.Single(p => p.GetProperty("topic").GetString() == topic && p.GetProperty("partition").GetInt32() == 0);
            first.GetProperty("sources").EnumerateArray().Select(s => s.GetString()).Should().Equal(source);
            first.GetProperty("groups").EnumerateArray().Select(s => s.GetString()).Should().Equal(group);
            first.GetProperty("lag").GetInt64().Should().Be(0);
            first.GetProperty("assigned").GetInt64().Should().Be(1);
            first.GetProperty("recordsReadAgain").GetInt64().Should().Be(0, "no partition has been taken from A yet");
            first.GetProperty("repartition").GetBoolean().Should().BeFalse();
            view.Where(p => p.GetProperty("repartition").GetBoolean()).Should().OnlyContain(p => p.GetProperty("sources").EnumerateArray().Single().GetString()!.StartsWith("repartition:", StringComparison.Ordinal));
            view.Should().OnlyContain(p => p.GetProperty("restores").GetInt32() == 0, "nothing has moved yet");
            view.Should().OnlyContain(p => p.GetProperty("duplicatesDropped").GetInt64() == 0, "nothing was written twice");

            // Records read again and duplicates dropped, as the Kafka package reports them (by instrument name).
            var repartitioned = view.First(p => p.GetProperty("repartition").GetBoolean());
            string exchangeTopic = repartitioned.GetProperty("topic").GetString()!;
            int exchangePartition = repartitioned.GetProperty("partition").GetInt32();
            using (var meter = new Meter("Pipelines.Kafka"))
            {
                meter.CreateCounter<long>("pipelines.kafka.records.read_again").Add(3, new("topic", topic), new("partition", 0), new("source", source), new("reason", "revoked"));
                meter.CreateCounter<long>("pipelines.kafka.repartition.duplicates.dropped").Add(2, new("topic", exchangeTopic), new("partition", exchangePartition));
                await KafkaUntilAsync(client, runA.Id, partitions =>
                    partitions.Any(p => p.GetProperty("topic").GetString() == topic && p.GetProperty("partition").GetInt32() == 0 && p.GetProperty("recordsReadAgain").GetInt64() == 3)
                    && partitions.Any(p => p.GetProperty("topic").GetString() == exchangeTopic && p.GetProperty("partition").GetInt32() == exchangePartition && p.GetProperty("duplicatesDropped").GetInt64() == 2),
                    "the records read again and the duplicates dropped in their partitions' rows");
            }

            // B joins: partitions of the repartition topic move to it with the open minutes' state.
            b = kafka.StartInstance(name, source, topic, group, _state);
            var runB = await UntilAsync(() => PipelineMonitor.Runs.Where(r => r.Pipeline == name).OrderBy(r => r.Id).Skip(1).FirstOrDefault(), r => r is not null, "B listed");
            var restored = await KafkaUntilAsync(client, runB!.Id,
                partitions => partitions.Any(p => p.GetProperty("repartition").GetBoolean() && p.GetProperty("restores").GetInt32() > 0),
                "B to restore the state of a partition it took over");
            var moved = restored.Where(p => p.GetProperty("restores").GetInt32() > 0).ToList();
            moved.Should().OnlyContain(p => p.GetProperty("restoreBytes").GetInt64() > 0 && p.GetProperty("restoreMs").GetDouble() >= 0);
            moved.Should().OnlyContain(p => p.GetProperty("topic").GetString()!.EndsWith("-repartition", StringComparison.Ordinal), "a restore is placed on the repartition topic the keyed stage reads");
            restored.Should().Contain(p => p.GetProperty("recordsPerSecond").ValueKind == JsonValueKind.Number, "two collections a second apart give a rate");
            output.WriteLine(string.Join(Environment.NewLine, restored.Select(p => p.ToString())));
        }
        finally
        {
            await Task.WhenAll(new[] { a, b }.OfType<PipelineRun>().Select(r => r.StopAsync(drain: false)));
        }
    }

    /// <summary>Polls <c>/api/runs/{id}</c> until its Kafka partitions satisfy <paramref name="condition"/>.</summary>
    private static async Task<List<JsonElement>> KafkaUntilAsync(HttpClient client, long run, Func<List<JsonElement>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        List<JsonElement> partitions = [];
        while (DateTime.UtcNow < deadline)
        {
            var detail = await GetJsonAsync(client, $"/pipelines/api/runs/{run}");
            partitions = [.. detail.GetProperty("kafka").GetProperty("partitions").EnumerateArray()];
            if (condition(partitions)) return partitions;
            await Task.Delay(100);
        }

        throw new TimeoutException($"Waited for {what}; last: {string.Join(Environment.NewLine, partitions.Select(p => p.ToString()))}");
    }
}
