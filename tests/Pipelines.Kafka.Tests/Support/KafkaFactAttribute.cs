namespace Pipelines.Kafka.Tests.Support;

/// <summary>A test that needs a real Kafka cluster: it runs when <c>KAFKA_BOOTSTRAP_SERVERS</c> is set and reports itself skipped otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KafkaFactAttribute : FactAttribute
{
    public KafkaFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(KafkaTestCluster.EnvironmentVariable)))
        {
            Skip = $"Set {KafkaTestCluster.EnvironmentVariable}=host:port to run this test against a real Kafka cluster.";
        }
    }
}
