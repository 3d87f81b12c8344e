using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipelines.Kafka;

/// <summary>
/// One run of a <see cref="KafkaSink{T, TKey, TValue}"/>: hands records to the producer's queue without waiting
/// for each delivery; waits only while that queue is full (the backpressure) and, at a checkpoint or on
/// completion, until every record is acknowledged. The first failed delivery is kept and thrown by the next write or by the completion.
/// Exactly-once (<see cref="DeliveryGuarantee.ExactlyOnce"/>): the producers are transactional
/// (<see cref="KafkaTransactions{TKey, TValue}"/>), created when the run starts its checkpoints — which only a run that
/// stores checkpoints does, before any write, with the run's checkpoint settings — and the checkpoint's two phases
/// flush and commit their transactions.
/// </summary>
internal sealed partial class KafkaSinkWriter<T, TKey, TValue> : SinkWriter<T>
{
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(5);
    private readonly KafkaSinkOptions<TKey, TValue> _options;
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly string _topic;
    private readonly Func<T, TKey> _key;
    private readonly Func<T, TValue> _value;
    private readonly Func<T, DateTimeOffset>? _timestamp;
    private readonly Func<T, IEnumerable<KafkaHeader>>? _headers;
    private readonly Action<DeliveryReport<TKey, TValue>> _onDelivery;
    private IProducer<TKey, TValue>? _producer;
    private KafkaTransactions<TKey, TValue>? _transactions;
    private IConsumerOffsets? _offsets;

    /// <summary>Records were produced into the current transaction since the last pre-commit.</summary>
    private bool _wroteSincePreCommit;
    private Exception? _failure;

    public KafkaSinkWriter(
        KafkaSinkOptions<TKey, TValue> options,
        string name,
        Func<T, TKey> key,
        Func<T, TValue> value,
        Func<T, DateTimeOffset>? timestamp,
        Func<T, IEnumerable<KafkaHeader>>? headers)
    {
        _options = options;
        _name = name;
        _topic = options.Topic;
        _key = key;
        _value = value;
        _timestamp = timestamp;
        _headers = headers;
        _logger = options.Logger ?? NullLogger.Instance;
        if (!options.IsExactlyOnce) _producer = Build(ClientConfigs.Producer(options));
        _onDelivery = report =>
        {
            if (!report.Error.IsError) return;
            string failed = $"Delivering a record to topic '{_topic}' (partition {report.Partition.Value}) failed: {report.Error.Reason}.";
            if (_options.IsExactlyOnce && (KafkaTransactions<TKey, TValue>.IsFenced(report.Error) || report.Error.Code == ErrorCode.Local_Fatal))
            {
                failed += " A transactional producer fails like this when it is fenced: another producer initialised the same transactional id " +
                    "(another instance of this job with the same KafkaSinkOptions.InstanceId, or a newer run of it); give each instance of a job its own InstanceId.";
            }

            Fail(report.Error.Code, failed);
        };
    }

    private IProducer<TKey, TValue> Build(ProducerConfig config)
    {
        var builder = new ProducerBuilder<TKey, TValue>(config)
            .SetLogHandler((_, m) => KafkaLog.Forward(_logger, m))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal && KafkaTransactions<TKey, TValue>.IsFenced(e))
                {
                    Fail(e.Code, $"The producer with transactional id '{config.TransactionalId}' for topic '{_topic}' was fenced: another producer initialised the same id (another instance of this job with the same KafkaSinkOptions.InstanceId, or a newer run of it). Give each instance of a job its own InstanceId.");
                }
                else if (e.IsFatal)
                {
                    Fail(e.Code, $"The producer for topic '{_topic}' failed: {e.Reason}");
                }
                else
                {
                    KafkaLog.ClientError(_logger, _name, e.Reason, e.Code.ToString());
                }
            });
        if (_options.KeySerializer is not null) builder.SetKeySerializer(_options.KeySerializer);
        if (_options.ValueSerializer is not null) builder.SetValueSerializer(_options.ValueSerializer);
        return builder.Build();
    }

    /// <summary>
    /// A run that stores checkpoints starts (before any write). Exactly-once: check the checkpoint interval against the
    /// transaction timeout, create the pool of transactional producers (<see cref="KafkaTransactions{TKey, TValue}.PoolSizeFor"/>
    /// the run's tolerated checkpoint failures), initialise their ids — which aborts what the previous run left open
    /// under them and fences its producers — and begin the first transaction. Refused downstream of keyed state that
    /// moves with repartition partitions (<see cref="SinkCheckpointContext.AfterMovingState"/>).
    /// </summary>
    /// <summary>The most checkpoint failures in a row an exactly-once sink tolerates: each one keeps a producer (with its threads and connections) open.</summary>
    internal const int MaxTolerableCheckpointFailures = 16;

    public override async ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.IsExactlyOnce || _transactions is not null) return;
        if (context.AfterMovingState) FollowMovingState(context);

        CheckInterval(context);
        if (context.TolerableCheckpointFailures > MaxTolerableCheckpointFailures)
        {
            throw new InvalidOperationException(
                $"Kafka sink '{_name}' is exactly-once and keeps one transactional producer per checkpoint that may fail in a row, so it accepts " +
                $"StreamingOptions.TolerableCheckpointFailures up to {MaxTolerableCheckpointFailures}, not {context.TolerableCheckpointFailures}. " +
                "Lower it (each failed checkpoint also holds its results back until the next one completes), or use an at-least-once sink.");
        }

        int pool = KafkaTransactions<TKey, TValue>.PoolSizeFor(context.TolerableCheckpointFailures);
        var transactions = new KafkaTransactions<TKey, TValue>(_options, _name, _logger, pool, id => Build(ClientConfigs.TransactionalProducer(_options, id)));
        try
        {
            await transactions.InitAsync(context.RestoredCheckpointId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            transactions.Dispose();
            throw;
        }

        _transactions = transactions;
        _producer = transactions.Current;
    }

    /// <summary>
    /// Exactly-once, first phase: every record of the checkpoint acknowledged, the input offsets sent to its
    /// transaction, which stays open until the checkpoint is stored; the next records go to the next transaction.
    /// After moving state the held results are produced first, and the offsets are the repartition topic's.
    /// </summary>
    public override async ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (!_options.IsExactlyOnce)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var transactions = Transactions();
        await ProduceHeldAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var source = Offsets();
        if (source is IRepartitionOffsets moving) await moving.StoreMarksAsync(checkpointId, cancellationToken).ConfigureAwait(false);
        if (source is not null) await source.DeadLettersDurableAsync(cancellationToken).ConfigureAwait(false);
        var offsets = source?.CheckpointOffsets(checkpointId);
        await transactions.PreCommitAsync(checkpointId, offsets, cancellationToken).ConfigureAwait(false);
        _producer = transactions.Current;
        _wroteSincePreCommit = false;
    }

    /// <summary>
    /// A transaction stays open from one pre-commit until its checkpoint is stored, longer for each aborted checkpoint it
    /// waits through; the broker aborts one open longer than the transaction timeout. An infinite interval (one
    /// transaction for the whole run) or a timeout no longer than the interval would lose every transaction under
    /// steady traffic, so they are refused; a timeout shorter than (tolerance + 2) intervals is a warning.
    /// </summary>
    private void CheckInterval(SinkCheckpointContext context)
    {
        var interval = context.CheckpointInterval;
        var timeout = _options.TransactionTimeout;
        if (interval == Timeout.InfiniteTimeSpan)
        {
            throw new InvalidOperationException(
                $"Kafka sink '{_name}' is exactly-once (KafkaSinkOptions.Guarantee), which commits one transaction per checkpoint, but StreamingOptions.CheckpointInterval " +
                $"is infinite: the whole run would be one transaction, which the broker aborts once it has been open longer than KafkaSinkOptions.TransactionTimeout ({timeout}). " +
                "Set a CheckpointInterval of at most half the TransactionTimeout, or use DeliveryGuarantee.AtLeastOnce.");
        }

        if (timeout <= interval)
        {
            throw new InvalidOperationException(
                $"Kafka sink '{_name}' is exactly-once, and its KafkaSinkOptions.TransactionTimeout ({timeout}) is not longer than StreamingOptions.CheckpointInterval ({interval}): " +
                "a transaction stays open from one checkpoint until the next is stored, so under steady traffic the broker would abort every transaction before its checkpoint commits it. " +
                "Make the TransactionTimeout at least twice the CheckpointInterval (within the broker's transaction.max.timeout.ms), or shorten the interval.");
        }

        if (timeout.TotalMilliseconds < interval.TotalMilliseconds * (context.TolerableCheckpointFailures + 2.0))
        {
            KafkaLog.TransactionTimeoutShort(_logger, _name, timeout, context.TolerableCheckpointFailures, interval);
        }
    }

    /// <summary>
    /// Exactly-once, second phase: the checkpoint is stored, so its transaction (and those of aborted checkpoints before
    /// it) commits, on the checkpoint task. The commit ignores <paramref name="cancellationToken"/>: once the checkpoint
    /// is stored, a restarted run resumes after it, so a commit skipped because the run is stopping would lose its results.
    /// </summary>
    public override async ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (_transactions is not { } transactions) return;
        var offsets = await transactions.CommitAsync(checkpointId, cancellationToken).ConfigureAwait(false);
        if (offsets.Count > 0) _offsets?.Committed(offsets);
    }

    /// <summary>
    /// A tolerated checkpoint failure: the checkpoint's transaction stays open, and the next completed checkpoint commits
    /// it before its own (its results are in that checkpoint's state and positions).
    /// </summary>
    public override ValueTask AbortCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        if (_movingSource is not null)
        {
            // Its transaction carries the repartition offsets of a checkpoint whose state was not stored: committed with
            // a later one, it would make the partitions' next owner start where no state is.
            throw new InvalidOperationException(
                $"Kafka sink '{_name}': checkpoint {checkpointId} could not be stored, and its transaction carries the positions of repartition topic '{_movingSource.TopicName}' that only that checkpoint's state goes with. " +
                "The run stops, aborting the transaction; restarted, the instance resumes each partition from its last stored checkpoint.");
        }

        _transactions?.AbortCheckpoint(checkpointId);
        return default;
    }

    /// <summary>The run failed or was cancelled: exactly-once aborts the open transactions.</summary>
    public override async ValueTask AbortAsync(Exception error)
    {
        if (_transactions is { } transactions) await transactions.AbortAllAsync().ConfigureAwait(false);
    }

    private KafkaTransactions<TKey, TValue> Transactions() =>
        _transactions ?? throw new InvalidOperationException(
            $"Kafka sink '{_name}' is exactly-once (KafkaSinkOptions.Guarantee), which commits its transactions when the run's checkpoints are stored, but this run stores none. " +
            "Run it with the streaming executor and StreamingOptions.CheckpointStorage, or use DeliveryGuarantee.AtLeastOnce.");

    /// <summary>The source whose offsets go into the transactions (<see cref="KafkaSinkOptions{TKey, TValue}.SendOffsetsOf"/>), once linked to its open reader.</summary>
    private IConsumerOffsets? Offsets()
    {
        if (_movingSource is { } moving) return _offsets ??= moving.OffsetsForTransactions(_name);
        if (_options.SendOffsetsOf is not { } source) return null;
        return _offsets ??= source.OffsetsForTransactions(_name);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
    {
        if (_held is not null)
        {
            throw new InvalidOperationException($"Kafka sink '{_name}' follows moving state and takes results only with their partitions (Write with partitions); the executor gave it a batch without them.");
        }

        if (_producer is null) Transactions();
        ThrowIfFailed();
        if (items.Length > 0) _wroteSincePreCommit = true;
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
        var message = Message(item, index);
        try
        {
            return TryProduce(message);
        }
        catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code is ErrorCode.Local_KeySerialization or ErrorCode.Local_ValueSerialization)
        {
            throw new SinkElementException(index, item, ex.InnerException ?? ex);
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge)
        {
            // This record alone is too large: it follows the error policy, the run goes on with the others.
            throw new SinkElementException(index, item, RecordSize.TooLarge(_topic, "is larger than the producer's message.max.bytes", ex));
        }
    }

    /// <summary>The record of <paramref name="item"/>; what the user's functions throw is the element's error.</summary>
    private Message<TKey, TValue> Message(T item, int index)
    {
        try
        {
            var message = new Message<TKey, TValue> { Key = _key(item), Value = _value(item) };
            if (_timestamp is not null) message.Timestamp = new Timestamp(_timestamp(item));
            if (_headers is not null)
            {
                var headers = new Headers();
                foreach (var header in _headers(item)) headers.Add(header.Key, header.Value);
                message.Headers = headers;
            }

            return message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new SinkElementException(index, item, ex);
        }
    }

    /// <summary>Queues one record; false when the producer's queue is full. Serialization errors are thrown as they come.</summary>
    private bool TryProduce(Message<TKey, TValue> message)
    {
        try
        {
            _producer!.Produce(_topic, message, _onDelivery);
            return true;
        }
        catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
        catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code is not (ErrorCode.Local_KeySerialization or ErrorCode.Local_ValueSerialization))
        {
            throw new KafkaException(new Error(ex.Error.Code, $"Producing to topic '{_topic}' failed: {ex.Error.Reason}"), ex);
        }
    }

    /// <summary>
    /// End of input: every record acknowledged. Exactly-once also commits the transactions: first it waits until the
    /// checkpoint in flight (if any) is stored and has committed its transaction — or could not be stored: then the run
    /// fails and aborts it, or, a tolerated failure, it is committed here with the rest — then the current one with
    /// the input offsets after the last record. A failure here aborts the open transactions, since the run's abort does
    /// not come once completion has started — except that of a checkpoint still in flight, which may yet be stored and
    /// commit it; <see cref="DisposeAsync"/>, after the run's checkpoints have stopped, aborts it if not.
    /// </summary>
    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_options.IsExactlyOnce)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var transactions = Transactions();
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_movingSource is not null)
            {
                // After moving state the drain's final checkpoint committed every partition's results with its
                // position; whatever came after it belongs to the partitions' next owner, which emits it again.
                int after = _held!.Values.Sum(l => l.Count);
                if (after > 0) KafkaLog.ResultsAfterLastCheckpoint(_logger, _name, after);
                _held.Clear();
                await transactions.CommitAllAsync(null, _wroteSincePreCommit, cancellationToken).ConfigureAwait(false);
                return;
            }

            var source = Offsets();
            if (source is not null) await source.DeadLettersDurableAsync(cancellationToken).ConfigureAwait(false);
            var offsets = source?.FinalOffsets();
            await transactions.CommitAllAsync(offsets, _wroteSincePreCommit, cancellationToken).ConfigureAwait(false);
            if (offsets is { Offsets.Count: > 0 } sent) _offsets!.Committed(sent.Offsets);
        }
        catch
        {
            await transactions.AbortAllAsync(keepUndecided: true).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until every record is acknowledged by the brokers (checking the token between slices); throws if one failed.</summary>
    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_producer is null) return;
        while (_producer.Flush(FlushSlice) > 0)
        {
            ThrowIfFailed();
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        ThrowIfFailed();
    }

    /// <summary>
    /// Exactly-once: aborts what is still open — after a completion that failed, the transaction of a checkpoint that
    /// was in flight and, as the run's checkpoints have stopped by now, was never stored — then disposes the producers.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (_transactions is { } transactions)
        {
            await transactions.AbortAllAsync().ConfigureAwait(false);
            transactions.Dispose();
        }
        else
        {
            _producer?.Dispose();
        }
    }

    private void Fail(ErrorCode code, string message) =>
        Interlocked.CompareExchange(ref _failure, new KafkaException(new Error(code, message + " The run stops so that no result is lost silently.")), null);

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is KafkaException failure) throw new KafkaException(failure.Error, failure);
    }
}
