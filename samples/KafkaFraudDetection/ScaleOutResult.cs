namespace KafkaFraudDetection;

/// <summary>What the scenario found: each instance's share of the work, and every difference from a bounded run (none: success).</summary>
public sealed record ScaleOutResult(string AlertsTopic, IReadOnlyList<InstanceReport> Instances, IReadOnlyList<string> Problems, TimeSpan Elapsed)
{
    public bool Succeeded => Problems.Count == 0;
}
