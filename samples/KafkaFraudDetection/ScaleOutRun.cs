using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Pipelines;

namespace KafkaFraudDetection;

/// <summary>
/// The sample's scenario: instance A starts alone and aggregates every card; half an hour of payments arrives in two
/// parts; between them instance B joins the group, so input partitions and partitions of the repartition topic — with
/// the open minutes of their cards — move from A to B through the shared checkpoint storage; both drain at the end.
/// Then every card's spending per minute, and every alert, is checked against a bounded run over the same payments.
/// </summary>
public static class ScaleOutRun
{
    /// <summary>The first part ends inside the fourth planted burst's minute (09:14), so that minute is open when B joins.</summary>
    public static readonly DateTimeOffset Split = TransactionGenerator.Start + TimeSpan.FromMinutes(14.5);

    /// <summary>Runs the scenario on <paramref name="cluster"/>, keeping state under <paramref name="stateDirectory"/>, narrating to <paramref name="output"/>.</summary>
    /// <param name="cluster">The Kafka cluster.</param>
    /// <param name="stateDirectory">The checkpoint storage the instances share (a directory per run is made inside).</param>
    /// <param name="output">Where the scenario is narrated.</param>
    /// <param name="joinWhileProducing">
    /// B joins while the second part of the feed is being produced (in 30 pieces, 300 ms apart), instead of between the
    /// parts: input partitions then move while records flow, and the records A read past its last commit are read
    /// again by B and cross the repartition topic twice; the readers drop the second copies, so the check still holds.
    /// </param>
    public static async Task<ScaleOutResult> RunAsync(Cluster cluster, string stateDirectory, TextWriter output, bool joinWhileProducing = false)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        var patience = cluster.IsMock ? TimeSpan.FromSeconds(40) : TimeSpan.FromMinutes(3);

        // Fresh topics, group and state per run, so a real cluster's (or a reused directory's) earlier runs do not mix in.
        string id = Guid.NewGuid().ToString("N")[..8];
        string transactionsTopic = $"card-transactions-{id}", alertsTopic = $"fraud-alerts-{id}", group = $"fraud-detection-{id}";
        int partitions = await cluster.CreateTopicAsync(transactionsTopic, partitions: 4);
        await cluster.CreateTopicAsync(alertsTopic, partitions: 4);
        string state = Path.Combine(stateDirectory, id);

        var (transactions, planted) = TransactionGenerator.Generate(ordinary: 3000, bursts: 6);
        int split = transactions.FindIndex(t => t.Time >= Split);
        var (expectedSpending, expectedAlerts) = await FraudPipeline.RunBoundedAsync(transactions);

        // On the mock cluster the groups use a short session, so that they settle in seconds (librdkafka's mock plays
        // the cooperative protocol's rounds at the session timeout's pace).
        var consumerConfig = cluster.IsMock ? new ConsumerConfig { SessionTimeoutMs = 3000, HeartbeatIntervalMs = 300 } : null;
        var options = new StreamingOptions
        {
            Parallelism = 2,
            CheckpointInterval = TimeSpan.FromMilliseconds(300),
            CheckpointStorage = CheckpointStorage.Directory(state),   // shared by the instances: state moves with its partitions
            IdleTimeout = Timeout.InfiniteTimeSpan,                   // a quiet instance keeps holding the watermark (see README)
        };
        FraudInstance Start(string name) => FraudInstance.Start(name, instance => new FraudInstanceSettings
        {
            BootstrapServers = cluster.BootstrapServers,
            TransactionsTopic = transactionsTopic,
            AlertsTopic = alertsTopic,
            Group = group,
            ConsumerConfig = consumerConfig,
            TopicCreationTimeout = cluster.IsMock ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10),
            KafkaLogger = instance.Log,
            OnAlert = alert =>
            {
                instance.Alerted(alert);
                lock (output) output.WriteLine($"  ALERT from instance {name}: {alert}");
            },
            OnSpending = instance.Spent,
            OnInputAssigned = instance.InputAssigned,
            OnInputRevoked = instance.InputRevoked,
            OnCardsAssigned = instance.CardsAssigned,
            OnCardsRevoked = instance.CardsRevoked,
        }, options, output);

        using var readAgain = new ReadAgainMeter(transactionsTopic, group);
        output.WriteLine($"Topic {transactionsTopic}: {partitions} partitions, keyed by payment id; cards are exchanged through a repartition topic; state in {state}.");
        var instances = new List<FraudInstance>();
        try
        {
            var a = Start("A");
            instances.Add(a);
            await Until(() => a.Input.Length == partitions && a.Cards.Length == partitions, patience, () => $"A to own every partition ({a})");
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0.0} s] A alone reads input partitions [{string.Join(",", a.Input)}] and aggregates the cards of partitions [{string.Join(",", a.Cards)}].");

            var first = transactions[..split];
            await ProduceAsync(cluster, transactionsTopic, first);
            await Until(() => a.Run.ElementsRead >= 2L * first.Count, patience, () => $"A to read the first {first.Count} payments, and again from the repartition topic ({a})");
            long checkpoints = a.Run.CheckpointsCompleted;
            await Until(() => a.Run.CheckpointsCompleted >= checkpoints + 2, patience, () => $"two more checkpoints of A ({a})");
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0.0} s] A has read the payments up to {Split:HH:mm:ss} and stored its state ({a.Run.CheckpointsCompleted} checkpoints); the minute {Split:HH:mm} is open.");

            var b = Start("B");
            instances.Add(b);
            var rest = transactions[split..];
            if (joinWhileProducing)
            {
                int piece = rest.Count / 30 + 1;
                for (int k = 0; k < rest.Count; k += piece)
                {
                    await ProduceAsync(cluster, transactionsTopic, rest.Skip(k).Take(piece));
                    await Task.Delay(300);
                }
            }

            await Settled(instances, partitions, patience);
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0.0} s] B joined{(joinWhileProducing ? " while the rest was produced" : "")}: " + string.Join("; ", instances.Select(i => $"{i.Name} reads [{string.Join(",", i.Input)}] and aggregates [{string.Join(",", i.Cards)}]")) + ".");

            if (!joinWhileProducing) await ProduceAsync(cluster, transactionsTopic, rest);
            var end = transactions.Max(t => t.Time) + TimeSpan.FromMinutes(2);
            await ProduceAsync(cluster, transactionsTopic, Enumerable.Range(0, partitions).Select(p => TransactionGenerator.Clock(p, end)), byPartition: true);
            var expectedMinutes = expectedSpending.Select(w => (w.Key, w.Window.Start)).ToHashSet();
            await Until(() => expectedMinutes.IsSubsetOf(instances.SelectMany(i => i.Spending).Select(w => (w.Key, w.Window.Start))), patience,
                () => $"every card's every minute ({string.Join("; ", instances)})");
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0.0} s] Every minute has fired; stopping both instances with a drain.");

            await Task.WhenAll(instances.Select(i => i.Run.StopAsync(drain: true)));
            await Task.WhenAll(instances.Select(i => i.Run.Completion));
        }
        catch (Exception ex) when (ex is TimeoutException or PipelineExecutionException)
        {
            output.WriteLine($"FAILED: {ex.Message}");
            await Task.WhenAll(instances.Select(i => i.Run.StopAsync(drain: false)));
            return new ScaleOutResult(alertsTopic, Reports(instances), [ex.Message], clock.Elapsed, readAgain.Records, readAgain.Dropped);
        }

        var problems = Check(instances, expectedSpending, expectedAlerts, planted);
        var alerts = instances.SelectMany(i => i.Alerts).ToList();
        var found = alerts.Select(a => (a.Card, a.WindowStart)).ToHashSet();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Read {transactions.Count} payments in {clock.Elapsed.TotalSeconds:0.0} s; {alerts.Count} alerts written to {alertsTopic} (a bounded run gives {expectedAlerts.Count}); planted bursts found: {planted.Count(found.Contains)} of {planted.Count}."));
        foreach (var r in Reports(instances))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  instance {r.Name}: {r.Minutes} card minutes computed, {r.Alerts} alerts, {r.Restores} partitions' state restored, {r.LateDropped} late payments dropped."));
        }

        output.WriteLine(readAgain.Records == 0
            ? "  Input partitions moved only at commits: no payment was read twice."
            : $"  {readAgain.Records} input records were read past the last commit when their partition moved, and read again by its new owner; {readAgain.Dropped} payments crossed the repartition topic twice, and their second copies were dropped there.");
        foreach (string problem in problems) output.WriteLine("PROBLEM: " + problem);
        return new ScaleOutResult(alertsTopic, Reports(instances), problems, clock.Elapsed, readAgain.Records, readAgain.Dropped);
    }

    /// <summary>
    /// What a bounded run says, upserted by (card, minute): every minute the same total, no (card, minute) from two
    /// owners with different values, every alert and no other, every planted burst; both instances did keyed work and
    /// state moved.
    /// </summary>
    private static List<string> Check(List<FraudInstance> instances, List<WindowResult<string, Spending>> expectedSpending, List<FraudAlert> expectedAlerts,
        HashSet<(string Card, DateTimeOffset Minute)> planted)
    {
        var problems = new List<string>();
        var expected = expectedSpending.ToDictionary(w => (w.Key, w.Window.Start), w => w.Value);
        var emitted = instances.SelectMany(i => i.Spending.Select(w => (Instance: i.Name, w))).GroupBy(x => (x.w.Key, x.w.Window.Start)).ToList();
        foreach (var minute in emitted)
        {
            var values = minute.Select(x => x.w.Value).Distinct().ToList();
            if (values.Count > 1)
            {
                problems.Add($"card {minute.Key.Key} at {minute.Key.Start:HH:mm}: different values {string.Join(" / ", minute.Select(x => $"{x.Instance}: {x.w.Value}"))}");
            }
            else if (!expected.TryGetValue(minute.Key, out var want))
            {
                problems.Add($"card {minute.Key.Key} at {minute.Key.Start:HH:mm}: {values[0]} emitted, but a bounded run has no such minute");
            }
            else if (values[0] != want)
            {
                problems.Add($"card {minute.Key.Key} at {minute.Key.Start:HH:mm}: {values[0]}, a bounded run says {want}");
            }
        }

        var seen = emitted.Select(g => g.Key).ToHashSet();
        problems.AddRange(expected.Keys.Where(k => !seen.Contains(k)).Select(k => $"card {k.Key} at {k.Start:HH:mm}: never emitted"));

        var alerts = instances.SelectMany(i => i.Alerts).GroupBy(a => (a.Card, a.WindowStart)).ToDictionary(g => g.Key, g => g.ToList());
        var wanted = expectedAlerts.ToDictionary(a => (a.Card, a.WindowStart));
        problems.AddRange(wanted.Keys.Where(k => !alerts.ContainsKey(k)).Select(k => $"missing alert: {wanted[k]}"));
        problems.AddRange(alerts.Where(a => !wanted.TryGetValue(a.Key, out var w) || a.Value.Any(x => x != w)).Select(a => $"wrong alert: {a.Value[0]}"));
        problems.AddRange(planted.Where(p => !alerts.ContainsKey(p)).Select(p => $"planted burst not alerted: card {p.Card} at {p.Minute:HH:mm}"));

        foreach (var i in instances.Where(i => i.Spending.Count == 0)) problems.Add($"instance {i.Name} computed no card's minute");
        if (instances.Count > 1 && instances[1].Log.Restores == 0) problems.Add($"instance {instances[1].Name} restored no partition's state: nothing moved");
        return problems;
    }

    private static List<InstanceReport> Reports(List<FraudInstance> instances) =>
        [.. instances.Select(i => new InstanceReport(i.Name, i.Run.ElementsRead, i.Spending.Count, i.Alerts.Count, i.Log.Restores, i.Run.LateElementsDropped))];

    /// <summary>Both instances own input and repartition partitions, every partition has an owner, and that holds for two seconds.</summary>
    private static async Task Settled(List<FraudInstance> instances, int partitions, TimeSpan patience)
    {
        bool Split() =>
            instances.All(i => i.Input.Length > 0 && i.Cards.Length > 0)
            && instances.SelectMany(i => i.Input).Order().SequenceEqual(Enumerable.Range(0, partitions))
            && instances.SelectMany(i => i.Cards).Order().SequenceEqual(Enumerable.Range(0, partitions));
        var deadline = DateTime.UtcNow + patience;
        var since = (DateTime?)null;
        while (true)
        {
            if (!Split()) since = null;
            else if ((since ??= DateTime.UtcNow) < DateTime.UtcNow - TimeSpan.FromSeconds(2)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The instances did not settle within {patience}: {string.Join("; ", instances)}");
            await Task.Delay(50);
        }
    }

    private static async Task Until(Func<bool> condition, TimeSpan patience, Func<string> what)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {patience.TotalSeconds:0} s for {what()}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Produces payments keyed by payment id (or, <paramref name="byPartition"/>, each clock record to its partition) and waits until all are acknowledged.</summary>
    private static async Task ProduceAsync(Cluster cluster, string topic, IEnumerable<Transaction> transactions, bool byPartition = false)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            EnableIdempotence = true,
            Partitioner = Partitioner.Murmur2Random,
            LingerMs = 5,
        }).SetLogHandler((_, _) => { }).Build();
        var deliveries = new List<Task>();
        int partition = 0;
        foreach (var t in transactions)
        {
            var message = new Message<string, string> { Key = t.Id, Value = JsonSerializer.Serialize(t, JsonSerializerOptions.Web) };
            deliveries.Add(byPartition ? producer.ProduceAsync(new TopicPartition(topic, partition++), message) : producer.ProduceAsync(topic, message));
        }

        await Task.WhenAll(deliveries);
    }
}
