using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipelines.Kafka;

/// <summary>
/// One run of a <see cref="KafkaSink{T, TKey, TValue}"/>: hands records to the producer's queue without waiting
/// for each delivery; waits only while that queue is full (the backpressure) and, at a checkpoint or on
/// completion, until every record is acknowledged. The first failed delivery is kept and thrown by the next write or by the completion.
/// </summary>
internal sealed class KafkaSinkWriter<T, TKey, TValue> : SinkWriter<T>
{
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(5);
    private readonly IProducer<TKey, TValue> _producer;
    private readonly string _topic;
    private readonly Func<T, TKey> _key;
    private readonly Func<T, TValue> _value;
    private readonly Func<T, DateTimeOffset>? _timestamp;
    private readonly Func<T, IEnumerable<KafkaHeader>>? _headers;
    private readonly Action<DeliveryReport<TKey, TValue>> _onDelivery;
    private Exception? _failure;

    public KafkaSinkWriter(
        KafkaSinkOptions<TKey, TValue> options,
        string name,
        Func<T, TKey> key,
        Func<T, TValue> value,
        Func<T, DateTimeOffset>? timestamp,
        Func<T, IEnumerable<KafkaHeader>>? headers)
    {
        _topic = options.Topic;
        _key = key;
        _value = value;
        _timestamp = timestamp;
        _headers = headers;
        var logger = options.Logger ?? NullLogger.Instance;
        var builder = new ProducerBuilder<TKey, TValue>(ClientConfigs.Producer(options))
            .SetLogHandler((_, m) => KafkaLog.Forward(logger, m))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal) Fail(e.Code, $"The producer for topic '{_topic}' failed: {e.Reason}");
                else KafkaLog.ClientError(logger, name, e.Reason, e.Code.ToString());
            });
        if (options.KeySerializer is not null) builder.SetKeySerializer(options.KeySerializer);
        if (options.ValueSerializer is not null) builder.SetValueSerializer(options.ValueSerializer);
        _producer = builder.Build();
        _onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Fail(report.Error.Code, $"Delivering a record to topic '{_topic}' (partition {report.Partition.Value}) failed: {report.Error.Reason}");
            }
        };
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var span = items.Span;
        for (int i = 0; i < span.Length; i++)
        {
            if (!TryProduce(span[i], i)) return WaitAndWriteAsync(items, i, cancellationToken);
        }

        return default;
    }

    private async ValueTask WaitAndWriteAsync(ReadOnlyMemory<T> items, int from, CancellationToken cancellationToken)
    {
        int i = from;
        while (i < items.Length)
        {
            if (TryProduce(items.Span[i], i))
            {
                i++;
                continue;
            }

            // The producer's queue is full: wait for deliveries to make room. This wait is the sink's backpressure.
            ThrowIfFailed();
            await Task.Delay(QueueFullBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues one record; false when the producer's queue is full.</summary>
    private bool TryProduce(T item, int index)
    {
        Message<TKey, TValue> message;
        try
        {
            message = new Message<TKey, TValue> { Key = _key(item), Value = _value(item) };
            if (_timestamp is not null) message.Timestamp = new Timestamp(_timestamp(item));
            if (_headers is not null)
            {
                var headers = new Headers();
                foreach (var header in _headers(item)) headers.Add(header.Key, header.Value);
                message.Headers = headers;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new SinkElementException(index, item, ex);
        }

        try
        {
            _producer.Produce(_topic, message, _onDelivery);
            return true;
        }
        catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
        catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code is ErrorCode.Local_KeySerialization or ErrorCode.Local_ValueSerialization)
        {
            throw new SinkElementException(index, item, ex.InnerException ?? ex);
        }
        catch (ProduceException<TKey, TValue> ex)
        {
            throw new KafkaException(new Error(ex.Error.Code, $"Producing to topic '{_topic}' failed: {ex.Error.Reason}"), ex);
        }
    }

    /// <summary>End of input: every record acknowledged.</summary>
    public override ValueTask CompleteAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    /// <summary>Waits until every record is acknowledged by the brokers (checking the token between slices); throws if one failed.</summary>
    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        while (_producer.Flush(FlushSlice) > 0)
        {
            ThrowIfFailed();
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        ThrowIfFailed();
    }

    public override ValueTask DisposeAsync()
    {
        _producer.Dispose();
        return default;
    }

    private void Fail(ErrorCode code, string message) =>
        Interlocked.CompareExchange(ref _failure, new KafkaException(new Error(code, message + " The run stops so that no result is lost silently.")), null);

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is KafkaException failure) throw new KafkaException(failure.Error, failure);
    }
}
