// Fraud detection on Kafka, scaled out: transactions keyed by payment id, repartitioned by card, one-minute spending
// per card, alerts out. Instance A starts alone, B joins mid-run and takes over partitions with their open minutes
// (restored from the shared state directory), both drain at the end, and the results are checked against a bounded
// run. On librdkafka's in-process mock cluster by default, or on a real cluster with --bootstrap-servers host:port.
using KafkaFraudDetection;

string? bootstrap = null, stateDirectory = null;
bool joinWhileProducing = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--bootstrap-servers" && i + 1 < args.Length) bootstrap = args[++i];
    else if (args[i] == "--state" && i + 1 < args.Length) stateDirectory = args[++i];
    else if (args[i] == "--join-while-producing") joinWhileProducing = true;
    else
    {
        Console.Error.WriteLine("usage: KafkaFraudDetection [--bootstrap-servers host:port] [--state <directory every instance shares>] [--join-while-producing]");
        return 2;
    }
}

using var cluster = Cluster.Connect(bootstrap);
Console.WriteLine(cluster.IsMock
    ? $"Kafka: librdkafka's in-process mock cluster at {cluster.BootstrapServers} (pass --bootstrap-servers host:port for a real cluster)"
    : $"Kafka: {cluster.BootstrapServers}");

bool temporary = stateDirectory is null;
stateDirectory ??= Path.Combine(Path.GetTempPath(), "kafka-fraud-detection-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    var result = await ScaleOutRun.RunAsync(cluster, stateDirectory, Console.Out, joinWhileProducing);
    Console.WriteLine(result.Succeeded
        ? "OK: every card's spending per minute and every alert equal a bounded run's, and the keyed state moved from A to B."
        : $"FAILED: {result.Problems.Count} differences from a bounded run.");
    return result.Succeeded ? 0 : 1;
}
finally
{
    if (temporary && Directory.Exists(stateDirectory)) Directory.Delete(stateDirectory, recursive: true);
}
