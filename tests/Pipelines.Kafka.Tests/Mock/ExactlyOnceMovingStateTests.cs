using Pipelines.Kafka.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once Kafka sink after keyed state that moves with the partitions of a repartition topic, on the mock
/// cluster: instances join and leave while windows fire, and every (card, window) reaches the output topic exactly
/// once, with a bounded run's value. Each partition's totals are held by the sink until the checkpoint that stores the
/// partition's state, and committed in its transaction with the partition's position; the totals of a partition that
/// moves before that are dropped (its next owner emits them again from that state), and a revocation waits for the
/// checkpoints in flight. The mock runs no transaction aborts in these scenarios (it would show aborted records to
/// every reader); a crash, which aborts them, is checked against a real broker.
/// </summary>
public sealed class ExactlyOnceMovingStateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(45);
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "pipelines-eos-moving-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

    public enum Move
    {
        /// <summary>b joins while the payments flow: a loses half of its partitions.</summary>
        Joining,

        /// <summary>a drains and leaves while the payments flow: b takes over a's partitions.</summary>
        Leaving,
    }

    /// <summary>A checkpoint a second: a partition that moves has most likely some totals held for the next transaction.</summary>
    private RepartitionInstance Start(KafkaTestCluster cluster, string topic, string group, string name, string outputTopic, PerCard kind) =>
        RepartitionInstance.Start(cluster, topic, group, name, new RefusedOffsetsLogger(new TestOutputLogger(output, name), _refused), (n, r) => _emitted.Enqueue($"{n}: {r.Key}@{r.Window.Start:HH:mm}={r.Value}"), _storage, kind,
            checkpointInterval: TimeSpan.FromSeconds(1), exactlyOnceTopic: outputTopic);

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _emitted = new();

    /// <summary>Repartition partitions whose offsets the mock refused after a transaction carried them (event 306).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _refused = new();

    [Theory]
    [InlineData(Move.Joining, PerCard.Tumbling)]
    [InlineData(Move.Joining, PerCard.Process)]
    [InlineData(Move.Leaving, PerCard.Tumbling)]
    public async Task PartitionsMoving_WhileWindowsFire_EveryWindowIsCommittedOnce_WithTheBoundedValue(Move move, PerCard kind)
    {
        using var withdrawn = new WithdrawnCounter();
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("payments"), group = KafkaTestCluster.UniqueName("g"), totals = KafkaTestCluster.UniqueName("totals");
        int partitions = await cluster.CreateTopicAsync(topic);
        await cluster.CreateTopicAsync(totals);
        var a = Start(cluster, topic, group, "a", totals, kind);
        RepartitionInstance? b = move == Move.Leaving ? Start(cluster, topic, group, "b", totals, kind) : null;
        List<RepartitionInstance> instances = b is null ? [a] : [a, b];
        await Eventually.True(() => instances.SelectMany(x => x.Exchange.Owned).Distinct().Count() == partitions, GroupDeadline, () => $"the repartition partitions to be owned ({string.Join("; ", instances)})");

        // 480 payments, 5 s apart (40 minutes of event time), in waves: windows of every card fire all along.
        var records = Enumerable.Range(0, 480).Select(RepartitionInstance.Record).ToList();
        Task Produce(IEnumerable<TestRecord> part) => Task.Run(async () =>
        {
            foreach (var wave in part.Chunk(12))
            {
                await cluster.ProduceAsync(topic, wave);
                await Task.Delay(150);
            }
        });

        if (move == Move.Joining)
        {
            // b joins while the payments flow: a loses partitions whose totals it may hold for its next transaction.
            var producing = Produce(records);
            await Eventually.True(() => a.Results.Count >= 20, GroupDeadline, () => $"a to emit totals ({a})");
            b = Start(cluster, topic, group, "b", totals, kind);
            instances.Add(b);
            await Eventually.True(() => b.Exchange.Owned.Length > 0, GroupDeadline, () => $"b to take a share of the repartition partitions ({string.Join("; ", instances)})");
            await producing;
        }
        else
        {
            // a drains once the first half is read (its input's offsets commit with the drain, so b reads none of it
            // again, late behind its own watermark); its final checkpoint commits its totals and hands its open windows on.
            await Produce(records.Take(240));
            await Eventually.True(() => instances.Sum(x => x.Run.ElementsRead) >= 2 * 240 && a.Results.Count >= 20, GroupDeadline, () => $"the first half read ({string.Join("; ", instances)})");
            await a.Run.StopAsync(drain: true).WaitAsync(Deadline);
            await Eventually.True(() => b!.Exchange.Owned.Length == partitions, GroupDeadline, () => $"b to take over every partition ({b})");
            await Produce(records.Skip(240));
        }

        await cluster.ProduceAsync(topic, RepartitionInstance.Ends(partitions));
        var expected = await RepartitionInstance.BoundedTotals(records, kind);
        await Eventually.True(
            () => Written(cluster, totals).Select(r => r.Key).Distinct().Count() >= expected.Count,
            GroupDeadline,
            () => $"every total in the output topic ({string.Join("; ", instances)}; {Written(cluster, totals).Count} records)");
        await Task.WhenAll(instances.Select(x => x.Run.StopAsync(drain: true))).WaitAsync(Deadline);

        var written = Written(cluster, totals);
        foreach (var (key, value) in written) output.WriteLine($"{key}={value}");
        foreach (var line in _emitted) output.WriteLine("emitted " + line);
        // The mock cluster ignores the offsets a transaction carries (a broker stores them with it), and refuses every
        // commit while its group rebalances: when the checkpoint in flight at a revocation commits its transaction, and
        // the group refuses the same offsets right after, the partition's next owner starts at the previous commit and
        // commits those totals again. The source says so (event 306), naming the partitions; only their cards may repeat.
        var partitionOf = new RepartitionKeys<int>(StateSerializers.Json<int>()).For<int>(() => partitions)!;
        var twice = written.GroupBy(r => r.Key).Where(g => g.Count() > 1).ToList();
        output.WriteLine($"offsets refused by the mock after their transaction committed, for partitions: {string.Join(", ", _refused.Keys.Order())}");
        twice.Where(g => !_refused.ContainsKey(partitionOf(int.Parse(g.Key.Split('@')[0], System.Globalization.CultureInfo.InvariantCulture))))
            .Select(g => $"{g.Key} x{g.Count()}")
            .Should().BeEmpty("no (card, window) is committed twice: a partition's totals commit only with its position, and a moved partition's held totals are dropped");
        twice.Where(g => g.Select(r => r.Value).Distinct().Count() > 1).Should().BeEmpty("a total committed again is the same total, from the same state and records");
        written.DistinctBy(r => r.Key).ToDictionary(r => r.Key, r => r.Value).Should().BeEquivalentTo(
            expected.ToDictionary(e => $"{e.Key.Card}@{e.Key.Start:O}", e => e.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "the committed totals are the bounded run's");
        b!.Results.Should().NotBeEmpty("b aggregates the cards of the partitions it took over");
        output.WriteLine($"totals held for the next transaction and dropped when their partition moved: {withdrawn.Count}");
        instances.Should().OnlyContain(x => x.Run.LateElementsDropped == 0);
    }

    private static List<(string Key, string Value)> Written(KafkaTestCluster cluster, string topic) =>
        [.. cluster.ReadToEnd(topic, TimeSpan.FromSeconds(10)).Select(r => (r.Message.Key!, r.Message.Value!))];

    /// <summary>Passes every line on, and notes the partitions of each refused transaction offset (event 306).</summary>
    private sealed class RefusedOffsetsLogger(ILogger inner, System.Collections.Concurrent.ConcurrentDictionary<int, bool> refused) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 306 && state is IReadOnlyList<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Offsets").Value is string offsets)
            {
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(offsets, @"\[(\d+)\]"))
                {
                    refused[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = true;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    /// <summary>Counts <c>pipelines.kafka.sink.results.withdrawn</c>: totals held for a transaction and dropped because their partition moved.</summary>
    private sealed class WithdrawnCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public WithdrawnCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "pipelines.kafka.sink.results.withdrawn") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
