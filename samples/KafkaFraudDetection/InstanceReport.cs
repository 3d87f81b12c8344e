namespace KafkaFraudDetection;

/// <summary>One instance's share: elements read (input and repartition topic), card minutes computed, alerts, partitions whose state it restored.</summary>
public sealed record InstanceReport(string Name, long ElementsRead, int Minutes, int Alerts, int Restores, long LateDropped);
