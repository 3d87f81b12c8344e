using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipelines.Kafka;

/// <summary>
/// One repartition topic with its settings resolved from the options and the Kafka sources upstream: where it is,
/// who reads it, and how many partitions it has once it exists (created when missing).
/// </summary>
internal sealed partial class RepartitionTopic
{
    private readonly object _gate = new();
    private readonly int? _partitions;
    private readonly short _replicationFactor;
    private readonly IReadOnlyList<string> _upstreamTopics;
    private Task<int>? _ensured;

    /// <summary>The connection settings of the Kafka source upstream on the topic's brokers (none when it is elsewhere).</summary>
    private readonly IReadOnlyDictionary<string, string> _upstreamConnection;

    private RepartitionTopic(KafkaRepartitionOptions options, string bootstrapServers, string groupId, string topic, IReadOnlyList<string> upstreamTopics, ILogger logger, IReadOnlyDictionary<string, string> upstreamConnection)
    {
        Options = options;
        _upstreamConnection = upstreamConnection;
        BootstrapServers = bootstrapServers;
        GroupId = groupId;
        Name = topic;
        Logger = logger;
        Clock = options.TimeProvider ?? TimeProvider.System;
        _partitions = options.Partitions;
        _replicationFactor = options.ReplicationFactor;
        _upstreamTopics = upstreamTopics;
    }

    public KafkaRepartitionOptions Options { get; }

    public string BootstrapServers { get; }

    public string GroupId { get; }

    public string Name { get; }

    public ILogger Logger { get; }

    public TimeProvider Clock { get; }

    /// <summary>Resolves names and defaults; fails at definition time when something needed is neither given nor upstream.</summary>
    public static RepartitionTopic Resolve(KafkaRepartitionOptions options, ExchangeContext context)
    {
        var upstream = context.UpstreamSources.OfType<IKafkaSourceSettings>().ToList();
        var first = upstream.FirstOrDefault();
        string name = options.Name ?? $"exchange{context.Index}";
        string bootstrap = options.BootstrapServers ?? first?.BootstrapServers
            ?? throw new ArgumentException($"Repartition after '{context.StreamName}': no Kafka source upstream to take the brokers from; set KafkaRepartitionOptions.BootstrapServers.", nameof(options));
        string group = options.GroupId ?? (first is null
            ? throw new ArgumentException($"Repartition after '{context.StreamName}': no Kafka source upstream to derive the consumer group from; set KafkaRepartitionOptions.GroupId.", nameof(options))
            : $"{first.GroupId}-{name}");
        string topic = options.Topic ?? TopicName($"{first?.GroupId ?? group}-{context.PipelineName}-{name}-repartition");
        if (options.Partitions is null && upstream.Count == 0)
        {
            throw new ArgumentException($"Repartition after '{context.StreamName}': no Kafka source upstream to take the partition count from; set KafkaRepartitionOptions.Partitions.", nameof(options));
        }

        var logger = options.Logger ?? upstream.Select(u => u.Logger).FirstOrDefault(l => l is not null) ?? NullLogger.Instance;
        var topics = upstream.Where(u => u.BootstrapServers == bootstrap).SelectMany(u => u.Topics).Distinct(StringComparer.Ordinal).ToList();
        if (options.Partitions is null && topics.Count == 0)
        {
            throw new ArgumentException($"Repartition after '{context.StreamName}': the Kafka sources upstream use other brokers; set KafkaRepartitionOptions.Partitions.", nameof(options));
        }

        // A secured cluster: the upstream source's security settings reach the repartition topic on the same brokers.
        var connection = upstream.FirstOrDefault(u => u.BootstrapServers == bootstrap)?.ConnectionSettings ?? new Dictionary<string, string>();
        return new RepartitionTopic(options, bootstrap, group, topic, topics, logger, connection);
    }

    /// <summary>Kafka topic names allow ASCII letters, digits, '.', '_' and '-', at most 249 characters.</summary>
    internal static string TopicName(string wanted)
    {
        string name = InvalidTopicCharacters().Replace(wanted, "-");
        return name.Length <= 249 ? name : name[..249];
    }

    /// <summary>Creates the topic unless it exists, once per topic object; returns its partition count.</summary>
    public Task<int> EnsureAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ensured is null || _ensured.IsFaulted || _ensured.IsCanceled) _ensured = Task.Run(() => CreateOrDescribeAsync(cancellationToken), cancellationToken);
            return _ensured;
        }
    }

    private async Task<int> CreateOrDescribeAsync(CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(AdminSettings())).SetLogHandler((_, m) => KafkaLog.Forward(Logger, m)).Build();

        // Create first: a metadata request for a missing topic may auto-create it with the broker's default count.
        int partitions = _partitions ?? _upstreamTopics.Select(t => Describe(admin, t, Options.TopicCreationTimeout) ?? 0).DefaultIfEmpty(0).Max();
        if (partitions <= 0)
        {
            throw new InvalidOperationException($"Repartition topic '{Name}': cannot take the partition count from the upstream topics ({string.Join(", ", _upstreamTopics)}), which do not exist yet; set KafkaRepartitionOptions.Partitions.");
        }

        bool created = false;
        KafkaException? refused = null;
        try
        {
            var creating = admin.CreateTopicsAsync(
                [new TopicSpecification { Name = Name, NumPartitions = partitions, ReplicationFactor = _replicationFactor }],
                new CreateTopicsOptions { RequestTimeout = Options.TopicCreationTimeout });
            await creating.WaitAsync(cancellationToken).ConfigureAwait(false);
            created = true;
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // It exists (another instance, or an earlier run, created it).
        }
        catch (KafkaException ex)
        {
            // No answer from a controller (some brokers and librdkafka's mock cluster do not serve CreateTopics): a
            // broker that creates topics on first use does it on the metadata request below.
            refused = ex;
            RepartitionLog.CreateRefused(Logger, Name, ex.Error.Reason);
        }

        if (refused is not null && Describe(admin, Name, Options.TopicCreationTimeout) is null)
        {
            throw new InvalidOperationException($"Repartition topic '{Name}' does not exist and could not be created: {refused.Error.Reason}. Create it with {partitions} partitions, or let the client create it.", refused);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (Describe(admin, Name, Options.TopicCreationTimeout) is { } count)
            {
                if (created) RepartitionLog.TopicCreated(Logger, Name, count);
                else if (count != partitions && (_partitions is not null || refused is not null)) RepartitionLog.PartitionCountDiffers(Logger, Name, count, partitions);
                return count;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Repartition topic '{Name}' was created but its metadata did not appear within 30 s.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int? Describe(IAdminClient admin, string topic, TimeSpan timeout)
    {
        var metadata = admin.GetMetadata(topic, timeout).Topics.SingleOrDefault(t => t.Topic == topic);
        return metadata is { Error.IsError: false } && metadata.Partitions.Count > 0 ? metadata.Partitions.Count : null;
    }

    /// <summary>The producer's settings: the upstream source's connection, then <see cref="KafkaRepartitionOptions.ProducerConfig"/>.</summary>
    public Dictionary<string, string> ProducerSettings() => ClientConfigs.Repartition(_upstreamConnection, Options.ProducerConfig);

    /// <summary>The consumer's settings: the upstream source's connection, then <see cref="KafkaRepartitionOptions.ConsumerConfig"/>.</summary>
    public Dictionary<string, string> ConsumerSettings() => ClientConfigs.Repartition(_upstreamConnection, Options.ConsumerConfig);

    /// <summary>The admin client's settings: the producer's connection settings and the brokers.</summary>
    internal Dictionary<string, string> AdminSettings()
    {
        var settings = ClientConfigs.Connection(ProducerSettings());
        settings["bootstrap.servers"] = BootstrapServers;
        return settings;
    }

    [GeneratedRegex("[^a-zA-Z0-9._-]")]
    private static partial Regex InvalidTopicCharacters();
}
