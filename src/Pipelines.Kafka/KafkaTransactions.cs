using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// The transactions of an exactly-once <see cref="KafkaSink{T, TKey, TValue}"/>: a pool of two transactional
/// producers (<c>&lt;prefix&gt;-&lt;instance&gt;-0</c> and <c>-1</c>) used in turn, because the results after a
/// checkpoint's barrier are written while that checkpoint's transaction still waits for the checkpoint to be
/// stored, and a producer has one transaction at a time. The current producer takes the writes; at a pre-commit
/// its transaction (flushed by the writer) waits for its checkpoint and the other producer begins the next one.
/// At most one checkpoint is in flight, so the other producer's previous transaction has always committed by then.
/// </summary>
/// <remarks>
/// librdkafka's transactional calls block; they run on the thread pool, bounded by the transaction timeout. The
/// current producer is used by the sink's worker only; a pending one by the checkpoint task only.
/// </remarks>
internal sealed class KafkaTransactions<TKey, TValue> : IDisposable
{
    private const int PoolSize = 2;

    /// <summary>How many times a commit that fails with a retriable error (each bounded by the transaction timeout) is tried.</summary>
    private const int CommitAttempts = 3;
    private readonly Lock _gate = new();
    private readonly Slot[] _slots;
    private readonly string _sinkName;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _sinkTag;
    private int _current;

    public KafkaTransactions(KafkaSinkOptions<TKey, TValue> options, string sinkName, ILogger logger, Func<string, IProducer<TKey, TValue>> build)
    {
        _sinkName = sinkName;
        _timeout = options.TransactionTimeout;
        _logger = logger;
        _sinkTag = new("sink", sinkName);
        string prefix = options.TransactionalIdPrefix ?? sinkName;
        _slots = new Slot[PoolSize];
        try
        {
            for (int i = 0; i < PoolSize; i++)
            {
                string id = TransactionalId(prefix, options.InstanceId, i);
                _slots[i] = new Slot(id, build(id));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The transactional id of slot <paramref name="slot"/> of an instance.</summary>
    public static string TransactionalId(string prefix, string instance, int slot) => $"{prefix}-{instance}-{slot}";

    /// <summary>Every transactional id of the pool.</summary>
    public IReadOnlyList<string> Ids => [.. _slots.Select(s => s.Id)];

    /// <summary>The producer that takes the writes now; its transaction is open.</summary>
    public IProducer<TKey, TValue> Current => _slots[_current].Producer;

    /// <summary>The transactional id of <see cref="Current"/>.</summary>
    public string CurrentId => _slots[_current].Id;

    /// <summary>
    /// Initialises every id of the pool — Kafka aborts what an earlier producer with the id left open and fences
    /// that producer — and begins the first transaction.
    /// </summary>
    public async Task InitAsync(long? restoredCheckpoint, CancellationToken cancellationToken)
    {
        foreach (var slot in _slots)
        {
            await Blocking(slot, "initialise", p => p.InitTransactions(_timeout), cancellationToken).ConfigureAwait(false);
        }

        KafkaLog.TransactionsInitialised(_logger, _sinkName, string.Join(", ", Ids), restoredCheckpoint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        Begin(_slots[_current]);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/>'s barrier reached the sink and <see cref="Current"/> is flushed:
    /// send the input offsets (if any) to its transaction, leave the transaction open for the checkpoint, and begin the
    /// next transaction on the other producer.
    /// </summary>
    public async Task PreCommitAsync(long checkpointId, (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group)? offsets, CancellationToken cancellationToken)
    {
        var slot = _slots[_current];
        if (offsets is { Offsets.Count: > 0 } sent)
        {
            await Blocking(slot, "send the input offsets to", p => p.SendOffsetsToTransaction(sent.Offsets, sent.Group, _timeout), cancellationToken).ConfigureAwait(false);
        }

        var next = _slots[(_current + 1) % PoolSize];
        lock (_gate)
        {
            if (next.Pending is { } waiting)
            {
                throw new InvalidOperationException(
                    $"Kafka sink '{_sinkName}': checkpoint {checkpointId} was pre-committed while checkpoint {waiting.Checkpoint} still waits for its commit (transactional id '{next.Id}'); checkpoints must complete one at a time.");
            }

            slot.Pending = new PendingTransaction(checkpointId, offsets?.Offsets);
            _current = (_current + 1) % PoolSize;
        }

        Begin(next);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> is stored: commit the transaction pre-committed for it (and any
    /// earlier one still waiting). Returns the input offsets the committed transactions carried.
    /// </summary>
    public async Task<List<TopicPartitionOffset>> CommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        // Claimed under the lock: the checkpoint task and the end of the input may both ask for the same transaction.
        List<(Slot Slot, PendingTransaction Pending)> claimed;
        lock (_gate)
        {
            claimed = [.. _slots.Where(s => s.Pending is { } p && p.Checkpoint <= checkpointId).Select(s => (s, s.Pending!)).OrderBy(c => c.Item2.Checkpoint)];
            foreach (var (slot, _) in claimed) slot.Pending = null;
        }

        var committed = new List<TopicPartitionOffset>();
        foreach (var (slot, pending) in claimed)
        {
            await CommitTransactionAsync(slot, $"checkpoint {pending.Checkpoint}", cancellationToken).ConfigureAwait(false);
            if (pending.Offsets is { } offsets) committed.AddRange(offsets);
        }

        return committed;
    }

    /// <summary>End of input: commit what waits for a checkpoint, then the current transaction with the final input offsets.</summary>
    public async Task CommitAllAsync((List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group)? finalOffsets, CancellationToken cancellationToken)
    {
        await CommitAsync(long.MaxValue, cancellationToken).ConfigureAwait(false);
        var slot = _slots[_current];
        if (finalOffsets is { Offsets.Count: > 0 } sent)
        {
            await Blocking(slot, "send the input offsets to", p => p.SendOffsetsToTransaction(sent.Offsets, sent.Group, _timeout), cancellationToken).ConfigureAwait(false);
        }

        await CommitTransactionAsync(slot, "the end of the input", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run failed or was cancelled: abort every open transaction (best effort: a broker aborts it after the transaction timeout anyway).</summary>
    public async Task AbortAllAsync()
    {
        foreach (var slot in _slots.Where(s => s.Open))
        {
            try
            {
                await Task.Run(() => slot.Producer.AbortTransaction(_timeout)).ConfigureAwait(false);
                slot.Open = false;
                KafkaMetrics.TransactionsAborted.Add(1, _sinkTag);
                KafkaLog.TransactionAborted(_logger, _sinkName, slot.Id, slot.Pending is { } p ? $"checkpoint {p.Checkpoint}" : "the results since the last pre-commit");
            }
            catch (KafkaException ex)
            {
                KafkaLog.AbortFailed(_logger, _sinkName, slot.Id, ex.Error.Reason);
            }
        }
    }

    private void Begin(Slot slot)
    {
        try
        {
            slot.Producer.BeginTransaction();
            slot.Open = true;
        }
        catch (KafkaException ex)
        {
            throw Failure(slot, "begin a transaction on", ex);
        }
    }

    private async Task CommitTransactionAsync(Slot slot, string what, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Task.Run(() => slot.Producer.CommitTransaction(_timeout), cancellationToken).ConfigureAwait(false);
                slot.Open = false;
                KafkaMetrics.TransactionsCommitted.Add(1, _sinkTag);
                return;
            }
            catch (KafkaRetriableException) when (attempt < CommitAttempts && !cancellationToken.IsCancellationRequested)
            {
                // librdkafka allows the commit to be called again after a retriable error (a timeout).
            }
            catch (KafkaException ex)
            {
                throw Failure(slot, $"commit the transaction of {what} on", ex);
            }
        }
    }

    private async Task Blocking(Slot slot, string action, Action<IProducer<TKey, TValue>> call, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(() => call(slot.Producer), cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex)
        {
            throw Failure(slot, action, ex);
        }
    }

    /// <summary>A transactional call failed: the run fails, saying whether another producer fenced this one.</summary>
    private KafkaException Failure(Slot slot, string action, KafkaException ex)
    {
        string reason = IsFenced(ex.Error)
            ? $"it was fenced: another producer initialised the transactional id '{slot.Id}' (another instance of this job with the same KafkaSinkOptions.InstanceId, or a newer run of it). This instance stops; give each instance of a job its own InstanceId."
            : ex.Error.Reason + (ex is KafkaTxnRequiresAbortException ? " The transaction is aborted." : string.Empty);
        return new KafkaException(new Error(ex.Error.Code, $"Kafka sink '{_sinkName}' could not {action} the producer with transactional id '{slot.Id}': {reason}"), ex);
    }

    /// <summary>True when the error says another producer took over the transactional id.</summary>
    public static bool IsFenced(Error error) =>
        error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
        || (error.Code == ErrorCode.Local_Fatal && error.Reason.Contains("fenced", StringComparison.OrdinalIgnoreCase));

    public void Dispose()
    {
        foreach (var slot in _slots) slot?.Producer.Dispose();
    }

    private sealed class Slot(string id, IProducer<TKey, TValue> producer)
    {
        public string Id { get; } = id;

        public IProducer<TKey, TValue> Producer { get; } = producer;

        /// <summary>The pre-committed transaction waiting for its checkpoint, or null.</summary>
        public PendingTransaction? Pending;

        /// <summary>True while a transaction is open on the producer.</summary>
        public volatile bool Open;
    }

    private sealed record PendingTransaction(long Checkpoint, List<TopicPartitionOffset>? Offsets);
}
