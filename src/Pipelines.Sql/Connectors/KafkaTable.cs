using Confluent.Kafka;
using Pipelines.Kafka;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Connectors;

/// <summary>
/// A table over a Kafka topic (<c>'connector' = 'kafka'</c>), with Flink's option names: read as an unbounded source
/// joining the consumer group <c>'properties.group.id'</c>, written (INSERT INTO) as JSON or CSV record values without
/// a key. Other <c>'properties.*'</c> options are handed to the Kafka client as they are.
/// </summary>
internal sealed class KafkaTable : SqlTableSource
{
    internal static readonly string[] KnownOptions = ["connector", "topic", "format", "properties.bootstrap.servers", "properties.group.id", "scan.startup.mode", "csv.field-delimiter"];

    private static readonly string[] StartupModes = ["earliest-offset", "latest-offset", "group-offsets"];

    private readonly string _topic;
    private readonly string _bootstrap;
    private readonly string? _group;
    private readonly string _startup;
    private readonly KafkaRowFormat _format;
    private readonly string _formatName;
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly WatermarkStrategy? _watermark;

    public KafkaTable(string name, SqlSchema schema, int? timeColumn, WatermarkStrategy? watermark, IReadOnlyDictionary<string, string> options)
        : base(name, schema, timeColumn, isBounded: false)
    {
        string Required(string key) => options.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v
            : throw new SqlException($"table '{name}' needs the option '{key}' (WITH ('connector' = 'kafka', 'topic' = '{name}', 'properties.bootstrap.servers' = 'localhost:9092', 'properties.group.id' = 'my-group', 'format' = 'json')).");

        _watermark = watermark;
        _topic = Required("topic");
        _bootstrap = Required("properties.bootstrap.servers");
        _group = options.TryGetValue("properties.group.id", out var g) && !string.IsNullOrWhiteSpace(g) ? g : null;
        _formatName = Required("format").ToLowerInvariant();
        if (_formatName is not ("csv" or "json"))
        {
            throw new SqlException($"table '{name}': unknown format '{_formatName}'{Suggestions.DidYouMean(_formatName, ["csv", "json"])} Formats of a Kafka table: 'json', 'csv'.");
        }
        char delimiter = options.TryGetValue("csv.field-delimiter", out var d) ? CsvDelimiter.Parse(name, d) : ',';
        _format = new KafkaRowFormat(name, schema, _formatName, delimiter);
        _startup = options.TryGetValue("scan.startup.mode", out var mode) ? mode.Trim().ToLowerInvariant() : "group-offsets";
        if (!StartupModes.Contains(_startup))
        {
            throw new SqlException($"table '{name}': unknown 'scan.startup.mode' = '{mode}'{Suggestions.DidYouMean(_startup, StartupModes)} Modes: {string.Join(", ", StartupModes.Select(m => $"'{m}'"))}.");
        }
        foreach (var (key, value) in options)
        {
            if (key.StartsWith("properties.", StringComparison.OrdinalIgnoreCase)) _properties[key["properties.".Length..].ToLowerInvariant()] = value;
        }
    }

    /// <summary>Whether <paramref name="key"/> is an option of a Kafka table: a known one or any <c>'properties.*'</c>.</summary>
    public static bool IsKnownOption(string key) =>
        KnownOptions.Contains(key, StringComparer.OrdinalIgnoreCase) || (key.StartsWith("properties.", StringComparison.OrdinalIgnoreCase) && key.Length > "properties.".Length);

    public override string Describe() => $"kafka topic {_topic} ({_formatName}) at {_bootstrap}";

    public override DataStream<Row> Open(PipelineBuilder builder)
    {
        string group = _group ?? throw new SqlException($"table '{Name}' is read, so it needs 'properties.group.id' (the consumer group that shares the topic's partitions and commits offsets).");
        var config = new ConsumerConfig(Properties());
        var reset = _startup == "latest-offset" ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest;
        if (_startup == "group-offsets" && config.AutoOffsetReset is { } fallback) reset = fallback;
        var source = new KafkaSource<Ignore, Row>(new KafkaSourceOptions<Ignore, Row>
        {
            BootstrapServers = _bootstrap,
            GroupId = group,
            Topics = [_topic],
            ValueDeserializer = _format,
            AutoOffsetReset = reset,
            ConsumerConfig = config,
            Name = $"table {Name}: kafka {_topic}",
        });
        Source<KafkaRecord<Ignore, Row>> start;
        try
        {
            start = _startup == "group-offsets" ? source : source.ResumeFrom(StartPosition(config));
        }
        catch (KafkaException ex)
        {
            throw new SqlException($"table '{Name}': 'scan.startup.mode' = '{_startup}' needs the partitions of topic '{_topic}', which {_bootstrap} did not give: {ex.Error.Reason}. Check the brokers, or use 'group-offsets'.");
        }
        string name = Name;
        var schema = Schema;
        var rows = builder.From(start).Named($"read kafka {_topic}").Select(record => record.Value).Named($"table {name}: {_formatName} to row");
        if (TimeColumn is int column && _watermark is not null)
        {
            string columnName = schema.Columns[column].Name;
            rows = rows.WithEventTime(row => row[column] as DateTimeOffset? ?? throw new InvalidDataException($"table '{name}': the time column '{columnName}' is NULL"), _watermark)
                .Named($"table {name}: event time {columnName}");
        }
        return rows;
    }

    public override Sink<Row> CreateSink()
    {
        var format = _format;
        var properties = Properties();
        properties.Remove("group.id");
        properties.Remove("auto.offset.reset");
        var config = new ProducerConfig(properties);
        return new KafkaSink<Row, string?, string>(
            new KafkaSinkOptions<string?, string>
            {
                BootstrapServers = _bootstrap,
                Topic = _topic,
                ProducerConfig = config,
                Name = $"table {Name}: kafka {_topic}",
            },
            _ => null,
            format.Serialize);
    }

    private Dictionary<string, string> Properties() => new(_properties, StringComparer.Ordinal);

    /// <summary>
    /// Where 'earliest-offset' and 'latest-offset' start every partition, whatever the group committed: the first
    /// offset still in the log, or the offset after the last record when the run starts. The partitions are read from
    /// the topic's metadata; a partition not known yet starts like 'group-offsets' with that reset.
    /// </summary>
    private KafkaPosition StartPosition(ConsumerConfig config)
    {
        var probe = new ConsumerConfig(config.ToDictionary(p => p.Key, p => p.Value)) { BootstrapServers = _bootstrap, GroupId = _group, EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(probe).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var timeout = TimeSpan.FromSeconds(10);
        var topic = admin.GetMetadata(_topic, timeout).Topics.FirstOrDefault(t => t.Topic == _topic);
        var positions = new List<KafkaPartitionPosition>();
        foreach (var partition in topic?.Partitions ?? [])
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(_topic, partition.PartitionId), timeout);
            positions.Add(new KafkaPartitionPosition(_topic, partition.PartitionId, _startup == "latest-offset" ? marks.High.Value : marks.Low.Value));
        }
        return new KafkaPosition(positions);
    }
}
