// Fraud detection on Kafka: transactions in, one-minute spending per card, alerts out — on librdkafka's in-process
// mock cluster by default, or on a real cluster with --bootstrap-servers host:port.
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using KafkaFraudDetection;
using Pipelines;

string? bootstrap = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--bootstrap-servers" && i + 1 < args.Length) bootstrap = args[++i];
    else
    {
        Console.Error.WriteLine("usage: KafkaFraudDetection [--bootstrap-servers host:port]");
        return 2;
    }
}

using var cluster = Cluster.Connect(bootstrap);
Console.WriteLine(cluster.IsMock
    ? $"Kafka: librdkafka's in-process mock cluster at {cluster.BootstrapServers} (pass --bootstrap-servers host:port for a real cluster)"
    : $"Kafka: {cluster.BootstrapServers}");

// Fresh topics and group per run, so a real cluster's earlier runs do not mix in.
string run = Guid.NewGuid().ToString("N")[..8];
string transactionsTopic = $"card-transactions-{run}", alertsTopic = $"fraud-alerts-{run}", group = $"fraud-detection-{run}";
int partitions = await cluster.CreateTopicAsync(transactionsTopic, partitions: 4);
await cluster.CreateTopicAsync(alertsTopic, partitions: 4);

// Two instances of the pipeline in one consumer group, as two processes of a deployment would run it: Kafka splits
// the partitions between them, and each card's transactions (the message key is the card) are read by one of them.
// On the mock cluster the group uses a short session, so that it settles in seconds (librdkafka's mock plays the
// cooperative protocol's rounds at the session timeout's pace).
var consumerConfig = cluster.IsMock ? new ConsumerConfig { SessionTimeoutMs = 3000, HeartbeatIntervalMs = 300 } : null;
var alerts = new List<FraudAlert>();
var owned = new Dictionary<string, int>();
PipelineRun StartInstance(string name) =>
    new StreamingExecutor(new StreamingOptions { Parallelism = 2, CheckpointInterval = TimeSpan.FromSeconds(1) }).Start(FraudPipeline.Build(
        cluster.BootstrapServers,
        transactionsTopic,
        alertsTopic,
        group,
        alert =>
        {
            lock (alerts) alerts.Add(alert);
            Console.WriteLine($"  ALERT from instance {name}: {alert}");
        },
        consumerConfig,
        onPartitionsAssigned: assigned =>
        {
            lock (owned) owned[name] = owned.GetValueOrDefault(name) + assigned.Count;
            Console.WriteLine($"  instance {name} now also reads partitions {string.Join(", ", assigned.Select(p => p.Partition.Value))}");
        }));

var instances = new[] { "1", "2" }.Select(name => (Name: name, Run: StartInstance(name))).ToList();
var deadline = DateTime.UtcNow.AddSeconds(60);
while (DateTime.UtcNow < deadline && instances.All(i => !i.Run.Completion.IsCompleted))
{
    lock (owned)
    {
        if (owned.Count == instances.Count) break;
    }

    await Task.Delay(50);
}

var (transactions, planted) = TransactionGenerator.Generate(ordinary: 3000, bursts: 6);
using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, EnableIdempotence = true, Partitioner = Partitioner.Murmur2Random }).Build())
{
    foreach (var t in transactions)
    {
        producer.Produce(transactionsTopic, new Message<string, string> { Key = t.Card, Value = JsonSerializer.Serialize(t, JsonSerializerOptions.Web) });
    }

    producer.Flush(TimeSpan.FromSeconds(30));
}

Console.WriteLine($"Produced {transactions.Count} transactions to {transactionsTopic} ({partitions} partitions); {planted.Count} fraud bursts planted.");

// Run continuously until every transaction has been read, then stop both with draining (as a deploy stops its
// processes): the last windows fire, the alerts are flushed to Kafka, and only then are the remaining offsets
// committed. While they run, a checkpoint every second commits the offsets of the transactions whose windows have
// fired and whose alerts are in Kafka.
deadline = DateTime.UtcNow.AddSeconds(60);
while (instances.Sum(i => i.Run.ElementsRead) < transactions.Count && instances.All(i => !i.Run.Completion.IsCompleted) && DateTime.UtcNow < deadline)
{
    await Task.Delay(50);
}

await Task.WhenAll(instances.Select(i => i.Run.StopAsync(drain: true)));
var summaries = await Task.WhenAll(instances.Select(i => i.Run.Completion));

var found = alerts.Select(a => (a.Card, a.WindowStart)).ToHashSet();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Read {summaries.Sum(s => s.ElementsRead)} transactions ({string.Join(", ", instances.Zip(summaries, (i, s) => $"instance {i.Name}: {s.ElementsRead}"))}) in {summaries.Max(s => s.Elapsed.TotalSeconds):0.0} s; {alerts.Count} alerts written to {alertsTopic}; planted bursts found: {planted.Count(found.Contains)} of {planted.Count}."));
return planted.SetEquals(found) ? 0 : 1;
