using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// Copies undeserializable records, bytes unchanged, to the source's dead-letter topic with an idempotent
/// acks=all producer. A failed delivery fails the run: the next read or the commit throws, so no record's offset
/// is committed unless its copy is durable.
/// </summary>
internal sealed class DeadLetterPublisher : IDisposable
{
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private Exception? _failure;

    public DeadLetterPublisher(ProducerConfig config, string topic, ILogger logger)
    {
        _topic = topic;
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, m) => KafkaLog.Forward(logger, m))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal) Interlocked.CompareExchange(ref _failure, new KafkaException(e), null);
                else KafkaLog.ClientError(logger, $"dead-letter producer ({topic})", e.Reason, e.Code.ToString());
            })
            .Build();
        _onDelivery = report =>
        {
            if (!report.Error.IsError) return;
            var error = new Error(report.Error.Code, $"Copying the record {Origin(report.Message?.Headers)} to dead-letter topic '{_topic}' failed: {report.Error.Reason}");
            Interlocked.CompareExchange(ref _failure, new KafkaException(error), null);
        };
    }

    /// <summary>Where a dead-letter copy came from, as its headers say: "topic [partition] @offset".</summary>
    private static string Origin(Headers? headers)
    {
        string Header(string name) => headers is not null && headers.TryGetLastBytes(name, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : "?";
        return $"{Header(KafkaDeadLetterHeaders.Topic)} [{Header(KafkaDeadLetterHeaders.Partition)}] @{Header(KafkaDeadLetterHeaders.Offset)}";
    }

    /// <summary>Queues a copy of <paramref name="record"/> with headers saying where it came from and why it failed.</summary>
    public void Publish(ConsumeResult<byte[], byte[]> record, MessageComponentType component, Exception cause)
    {
        ThrowIfFailed();
        var headers = new Headers();
        if (record.Message.Headers is { } original)
        {
            foreach (var header in original) headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(KafkaDeadLetterHeaders.Topic, Encoding.UTF8.GetBytes(record.Topic));
        headers.Add(KafkaDeadLetterHeaders.Partition, Encoding.UTF8.GetBytes(record.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaDeadLetterHeaders.Offset, Encoding.UTF8.GetBytes(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaDeadLetterHeaders.Component, Encoding.UTF8.GetBytes(component == MessageComponentType.Key ? "key" : "value"));
        headers.Add(KafkaDeadLetterHeaders.Error, Encoding.UTF8.GetBytes($"{cause.GetType().Name}: {cause.Message}"));
        var copy = new Message<byte[], byte[]>
        {
            Key = record.Message.Key,
            Value = record.Message.Value,
            Headers = headers,
            Timestamp = new Timestamp(record.Message.Timestamp.UnixTimestampMs, TimestampType.CreateTime),
        };

        while (true)
        {
            try
            {
                _producer.Produce(_topic, copy, _onDelivery);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Rare (dead letters are few): let deliveries drain, briefly.
                _producer.Poll(FlushSlice);
                ThrowIfFailed();
            }
        }
    }

    /// <summary>Waits until every copy is acknowledged by the brokers; throws if one failed.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        while (_producer.Flush(FlushSlice) > 0)
        {
            ThrowIfFailed();
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        ThrowIfFailed();
    }

    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure) throw new KafkaException(new Error(ErrorCode.Local_Fail, failure.Message), failure);
    }

    public void Dispose() => _producer.Dispose();
}
