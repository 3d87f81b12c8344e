using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipelines;

namespace KafkaFraudDetection;

/// <summary>Where one instance reads and writes, and what it reports.</summary>
public sealed class FraudInstanceSettings
{
    public required string BootstrapServers { get; init; }

    public required string TransactionsTopic { get; init; }

    public required string AlertsTopic { get; init; }

    /// <summary>The consumer group: every instance started with it shares the input partitions (and, through the repartition topic, the cards).</summary>
    public required string Group { get; init; }

    /// <summary>Receives every alert (the console sink).</summary>
    public required Action<FraudAlert> OnAlert { get; init; }

    /// <summary>Receives every card's spending per minute this instance computed, alerting or not.</summary>
    public Action<WindowResult<string, Spending>>? OnSpending { get; init; }

    /// <summary>More consumer settings (timeouts, security); librdkafka's defaults when null.</summary>
    public ConsumerConfig? ConsumerConfig { get; init; }

    /// <summary>How long creating the repartition topic may wait for a controller (the mock has none: it creates topics on first use).</summary>
    public TimeSpan TopicCreationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Receives the Kafka source's log (assignments, commits, leaving the group).</summary>
    public ILogger? KafkaLogger { get; init; }

    /// <summary>Called with the input partitions assigned to this instance.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnInputAssigned { get; init; }

    /// <summary>Called with the input partitions taken from this instance.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnInputRevoked { get; init; }

    /// <summary>Called with the repartition topic's partitions (groups of cards) assigned to this instance.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnCardsAssigned { get; init; }

    /// <summary>Called with the repartition topic's partitions taken from this instance.</summary>
    public Action<IReadOnlyList<TopicPartition>>? OnCardsRevoked { get; init; }
}
