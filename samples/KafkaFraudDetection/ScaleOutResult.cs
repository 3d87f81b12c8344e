namespace KafkaFraudDetection;

/// <summary>
/// What the scenario found: each instance's share of the work, every difference from a bounded run (none: success),
/// how many input records a partition's next owner read again (read past the last commit when the partition moved),
/// and how many second copies of their payments the instances reading the repartition topic dropped.
/// </summary>
public sealed record ScaleOutResult(string AlertsTopic, IReadOnlyList<InstanceReport> Instances, IReadOnlyList<string> Problems, TimeSpan Elapsed, long InputReadAgain, long DuplicatesDropped)
{
    public bool Succeeded => Problems.Count == 0;
}
