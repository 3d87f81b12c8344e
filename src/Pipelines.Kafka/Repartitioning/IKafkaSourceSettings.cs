using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>What a repartition topic takes its defaults from: the settings of a Kafka source upstream, whatever its record types.</summary>
internal interface IKafkaSourceSettings
{
    string BootstrapServers { get; }

    string GroupId { get; }

    IReadOnlyList<string> Topics { get; }

    ILogger? Logger { get; }

    /// <summary>The source's connection settings (<c>security.*</c>, <c>sasl.*</c>, <c>ssl.*</c> of its consumer config): how to reach its brokers.</summary>
    IReadOnlyDictionary<string, string> ConnectionSettings { get; }
}
