using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// The transactions of an exactly-once <see cref="KafkaSink{T, TKey, TValue}"/>: a pool of transactional producers
/// (<c>&lt;prefix&gt;-&lt;instance&gt;-0</c>, <c>-1</c>, …) used in turn, because the results after a checkpoint's
/// barrier are written while that checkpoint's transaction still waits for the checkpoint to be stored, and a producer
/// has one transaction at a time. The current producer takes the writes; at a pre-commit its transaction (flushed by
/// the writer) waits for its checkpoint and the next producer begins the next one. One checkpoint is in flight at a
/// time, but a checkpoint that could not be stored and was aborted within <see cref="StreamingOptions.TolerableCheckpointFailures"/>
/// leaves its transaction waiting for the next completed checkpoint, so the pool holds
/// <see cref="PoolSizeFor">that tolerance + 2</see> producers: the aborted ones, the one in flight and the current one.
/// </summary>
/// <remarks>
/// <para>librdkafka's transactional calls block; they run on the thread pool, bounded by the transaction timeout. The
/// current producer is used by the sink's worker only; a pending one by the checkpoint task, by the end of the input
/// once its checkpoint is decided, or by <see cref="AbortAllAsync"/>, which <c>_transitions</c> keeps apart: a
/// transaction whose commit has started is never aborted.</para>
/// <para>The commit of a stored checkpoint does not look at any cancellation token: once the checkpoint is stored, a
/// restarted run resumes after it, so skipping its commit (because the run is stopping) would lose its results.</para>
/// </remarks>
internal sealed class KafkaTransactions<TKey, TValue> : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _transitions = new(1, 1);
    private readonly Slot[] _slots;
    private readonly string _sinkName;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _sinkTag;
    private int _current;

    /// <summary>The highest checkpoint whose transaction <see cref="AbortAllAsync"/> aborted, or 0.</summary>
    private long _abortedUpTo;

    /// <summary>The first commit that failed (the run is failing): nothing after it commits.</summary>
    private KafkaException? _commitFailure;

    public KafkaTransactions(KafkaSinkOptions<TKey, TValue> options, string sinkName, ILogger logger, int poolSize, Func<string, IProducer<TKey, TValue>> build)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 2);
        _sinkName = sinkName;
        _timeout = options.TransactionTimeout;
        _logger = logger;
        _sinkTag = new("sink", sinkName);
        string prefix = options.TransactionalIdPrefix ?? sinkName;
        _slots = new Slot[poolSize];
        try
        {
            for (int i = 0; i < poolSize; i++)
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

    /// <summary>
    /// The producers a sink needs when up to <paramref name="tolerableCheckpointFailures"/> checkpoints in a row may be
    /// aborted: one per aborted checkpoint whose transaction waits for the next completed one, one for the checkpoint
    /// in flight, and the current one.
    /// </summary>
    public static int PoolSizeFor(int tolerableCheckpointFailures) => tolerableCheckpointFailures + 2;

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
            await Initialise(slot, cancellationToken).ConfigureAwait(false);
        }

        KafkaLog.TransactionsInitialised(_logger, _sinkName, string.Join(", ", Ids), restoredCheckpoint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        Begin(_slots[_current]);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/>'s barrier reached the sink and <see cref="Current"/> is flushed:
    /// send the input offsets (if any) to its transaction, leave the transaction open for the checkpoint, and begin the
    /// next transaction on the next producer of the pool.
    /// </summary>
    public async Task PreCommitAsync(long checkpointId, (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group)? offsets, CancellationToken cancellationToken)
    {
        var slot = _slots[_current];
        if (offsets is { Offsets.Count: > 0 } sent)
        {
            await Blocking(slot, "send the input offsets to", p => p.SendOffsetsToTransaction(sent.Offsets, sent.Group, _timeout), cancellationToken).ConfigureAwait(false);
        }

        var next = _slots[(_current + 1) % _slots.Length];
        while (true)
        {
            Task committing;
            lock (_gate)
            {
                if (_commitFailure is { } failed) throw new KafkaException(failed.Error, failed);
                if (next.Pending is null)
                {
                    slot.Pending = new PendingTransaction(checkpointId, offsets?.Offsets);
                    _current = (_current + 1) % _slots.Length;
                    break;
                }

                if (!next.Pending.Claimed)
                {
                    throw new InvalidOperationException(
                        $"Kafka sink '{_sinkName}': checkpoint {checkpointId} was pre-committed while the transactions of {_slots.Length - 1} earlier checkpoints " +
                        $"still wait for their commit (the oldest, checkpoint {next.Pending.Checkpoint}, under transactional id '{next.Id}'). The sink keeps " +
                        "StreamingOptions.TolerableCheckpointFailures + 2 transactional ids, which more aborted checkpoints in a row than that tolerance cannot outgrow.");
                }

                committing = next.Pending.Settled.Task;
            }

            // The checkpoint task is committing the next producer's transaction: wait for it (bounded by the transaction timeout).
            await committing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Begin(next);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> is stored: commit the transactions pre-committed for it and for any
    /// earlier checkpoint still waiting (one that was aborted), in order. The commits do not look at
    /// <paramref name="cancellationToken"/>: a stored checkpoint's results must commit even when the run is stopping;
    /// each is bounded by the transaction timeout instead. Returns the input offsets the committed transactions carried.
    /// </summary>
    public Task<List<TopicPartitionOffset>> CommitAsync(long checkpointId, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        return CommitUpToAsync(checkpointId, stored: true);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> could not be stored and is aborted (a tolerated failure): its
    /// transaction stays open and is committed with the next completed checkpoint, which covers its results.
    /// </summary>
    public void AbortCheckpoint(long checkpointId)
    {
        PendingTransaction? aborted;
        string? id;
        lock (_gate)
        {
            var slot = _slots.FirstOrDefault(s => s.Pending is { } p && p.Checkpoint == checkpointId);
            aborted = slot?.Pending;
            id = slot?.Id;
            if (aborted is null) return;
        }

        KafkaLog.TransactionKept(_logger, _sinkName, checkpointId, id!);
        aborted.Decided.TrySetResult();
    }

    /// <summary>
    /// End of input: wait until the checkpoint task has decided about every pre-committed transaction (committed once
    /// its checkpoint is stored, or kept because its checkpoint was aborted) — a checkpoint in flight may still fail to
    /// be stored, and its transaction must not be visible then — and commit what is still waiting, then the current
    /// transaction with the final input offsets. A current transaction that holds neither records
    /// (<paramref name="currentHasRecords"/>) nor offsets — the usual case after a drained run's final checkpoint — is
    /// ended without being counted as a committed transaction (librdkafka sends nothing to the broker for it).
    /// </summary>
    public async Task CommitAllAsync((List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group)? finalOffsets, bool currentHasRecords, CancellationToken cancellationToken)
    {
        Task[] undecided;
        lock (_gate) undecided = [.. _slots.Where(s => s.Pending is { } p && !p.Decided.Task.IsCompleted).Select(s => s.Pending!.Decided.Task)];
        if (undecided.Length > 0)
        {
            KafkaLog.EndWaitsForCheckpoint(_logger, _sinkName);
            await Task.WhenAll(undecided).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_commitFailure is { } failed) throw new KafkaException(failed.Error, failed);
        }

        // What still waits belongs to aborted checkpoints: the drain commits it with the rest, as it commits the current one.
        await CommitUpToAsync(long.MaxValue, stored: false).ConfigureAwait(false);
        var slot = _slots[_current];
        if (finalOffsets is { Offsets.Count: > 0 } sent)
        {
            await Blocking(slot, "send the input offsets to", p => p.SendOffsetsToTransaction(sent.Offsets, sent.Group, _timeout), cancellationToken).ConfigureAwait(false);
        }

        await _transitions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await CommitTransactionAsync(slot, "the end of the input", counted: currentHasRecords || finalOffsets is { Offsets.Count: > 0 }).ConfigureAwait(false);
        }
        finally
        {
            _transitions.Release();
        }
    }

    /// <summary>
    /// The run failed or was cancelled: abort every open transaction (best effort: a broker aborts it after the
    /// transaction timeout anyway). A commit in progress finishes first, and its transaction is not aborted. With
    /// <paramref name="keepUndecided"/>, a transaction whose checkpoint is still in flight stays open: the checkpoint
    /// task may yet store that checkpoint and commit it (what is left open is aborted when the sink is disposed, after
    /// the run's checkpoints have stopped).
    /// </summary>
    public async Task AbortAllAsync(bool keepUndecided = false)
    {
        await _transitions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var aborts = new List<Task>();
            foreach (var slot in _slots.Where(s => s.Open))
            {
                PendingTransaction? pending;
                lock (_gate) pending = slot.Pending;
                if (keepUndecided && pending is { } inFlight && !inFlight.Decided.Task.IsCompleted) continue;
                aborts.Add(AbortAsync(slot, pending));
            }

            // At once, each bounded: with the brokers gone every abort waits its whole timeout.
            await Task.WhenAll(aborts).ConfigureAwait(false);
        }
        finally
        {
            _transitions.Release();
        }
    }

    /// <summary>
    /// Aborts the transaction open on <paramref name="slot"/>, waiting at most <see cref="AbortTimeout"/> (or the
    /// transaction timeout, if shorter). Tried once: a transaction the brokers cannot be asked to abort now is aborted
    /// by them after the transaction timeout, or by the next run's initialisation of the same transactional id, so the
    /// slot counts as closed either way and a failing run's shutdown is not held for the transaction timeout per slot.
    /// </summary>
    private async Task AbortAsync(Slot slot, PendingTransaction? pending)
    {
        try
        {
            var bound = _timeout < AbortTimeout ? _timeout : AbortTimeout;
            await Task.Run(() => slot.Producer.AbortTransaction(bound)).ConfigureAwait(false);
            KafkaMetrics.TransactionsAborted.Add(1, _sinkTag);

            // A claimed one is a stored checkpoint's whose commit failed: that loss is logged as an error already.
            if (pending is not { Claimed: true })
            {
                KafkaLog.TransactionAborted(_logger, _sinkName, slot.Id, pending is { } p ? $"checkpoint {p.Checkpoint}" : "the results since the last pre-commit");
            }
        }
        catch (Exception ex)
        {
            // Best effort, whatever failed (a producer already disposed included): the broker aborts it in the end.
            KafkaLog.AbortFailed(_logger, _sinkName, slot.Id, ex is KafkaException kafka ? kafka.Error.Reason : ex.Message);
        }
        finally
        {
            slot.Open = false;
        }

        if (pending is null) return;
        lock (_gate)
        {
            slot.Pending = null;
            _abortedUpTo = Math.Max(_abortedUpTo, pending.Checkpoint);
        }

        pending.Decided.TrySetResult();
        pending.Settled.TrySetResult();
    }

    /// <summary>The longest an abort waits for the brokers (<see cref="AbortAsync"/>).</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Commits, in order, every waiting transaction of a checkpoint up to <paramref name="checkpointId"/>.</summary>
    private async Task<List<TopicPartitionOffset>> CommitUpToAsync(long checkpointId, bool stored)
    {
        // Taken while no abort runs (the run's abort waits for the commits), and claimed under the lock: the checkpoint
        // task and the end of the input may both ask for the same transaction.
        var committed = new List<TopicPartitionOffset>();
        List<(Slot Slot, PendingTransaction Pending)> claimed = [];
        await _transitions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            long abortedUpTo;
            lock (_gate)
            {
                claimed = [.. _slots.Where(s => s.Pending is { Claimed: false } p && p.Checkpoint <= checkpointId).Select(s => (s, s.Pending!)).OrderBy(c => c.Item2.Checkpoint)];
                foreach (var (_, pending) in claimed) pending.Claimed = true;
                abortedUpTo = _abortedUpTo;
            }

            if (stored && claimed.Count == 0 && checkpointId <= abortedUpTo)
            {
                // The run's abort came first (the run is ending): the transaction this stored checkpoint covers is gone.
                KafkaLog.CheckpointOutputLost(_logger, null, _sinkName, checkpointId, string.Empty, "the run aborted it before the commit was asked for");
            }

            for (int i = 0; i < claimed.Count; i++)
            {
                var (slot, pending) = claimed[i];
                try
                {
                    await CommitTransactionAsync(slot, $"checkpoint {pending.Checkpoint}").ConfigureAwait(false);
                }
                catch (KafkaException ex)
                {
                    if (stored)
                    {
                        string which = pending.Checkpoint == checkpointId ? string.Empty : $" (the one pre-committed for aborted checkpoint {pending.Checkpoint})";
                        KafkaLog.CheckpointOutputLost(_logger, ex, _sinkName, checkpointId, which, ex.Error.Reason);
                    }

                    lock (_gate)
                    {
                        // The failed one stays claimed and open for the run's abort; the later ones were not tried and go back to waiting.
                        _commitFailure ??= ex;
                        for (int j = i + 1; j < claimed.Count; j++) claimed[j].Pending.Claimed = false;
                    }

                    pending.Decided.TrySetResult();
                    pending.Settled.TrySetResult();
                    throw;
                }

                lock (_gate) slot.Pending = null;
                pending.Decided.TrySetResult();
                pending.Settled.TrySetResult();
                if (pending.Offsets is { } offsets) committed.AddRange(offsets);
            }
        }
        finally
        {
            _transitions.Release();
        }

        if (claimed.Count > 1 && stored)
        {
            KafkaLog.TransactionsCommittedTogether(_logger, _sinkName, checkpointId, string.Join(", ", claimed.Select(c => c.Pending.Checkpoint)));
        }

        return committed;
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

    /// <summary>
    /// Commits the open transaction of <paramref name="slot"/>, trying again after a retriable error (a timeout) until the
    /// transaction timeout has passed — after that the broker has aborted the transaction anyway. No token: see the class remarks.
    /// </summary>
    private async Task CommitTransactionAsync(Slot slot, string what, bool counted = true)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = _timeout - Stopwatch.GetElapsedTime(started);
            if (remaining < TimeSpan.FromMilliseconds(1)) remaining = TimeSpan.FromMilliseconds(1);
            try
            {
                await Task.Run(() => slot.Producer.CommitTransaction(remaining), CancellationToken.None).ConfigureAwait(false);
                slot.Open = false;
                if (counted) KafkaMetrics.TransactionsCommitted.Add(1, _sinkTag);
                return;
            }
            catch (KafkaRetriableException) when (Stopwatch.GetElapsedTime(started) < _timeout)
            {
                // librdkafka allows the commit to be called again after a retriable error (a timeout).
            }
            catch (KafkaException ex)
            {
                throw Failure(slot, $"commit the transaction of {what} on", ex);
            }
        }
    }

    /// <summary>
    /// Initialises the transactional id of <paramref name="slot"/>. The call blocks until the brokers answer, up to the
    /// transaction timeout (they are unreachable, or the id's coordinator is moving): cancelled, the run stops waiting
    /// for it at once, and the producer is disposed once the call returns (<see cref="Dispose"/>; disposing it during
    /// the call is not allowed). A call an earlier start gave up on for the same id is waited for first (<see cref="AbandonedInits"/>).
    /// </summary>
    private async Task Initialise(Slot slot, CancellationToken cancellationToken)
    {
        await AbandonedInits.WaitAsync(slot.Id, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var call = Task.Run(() => slot.Producer.InitTransactions(_timeout), CancellationToken.None);
        slot.Initialising = call;
        try
        {
            await call.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            AbandonedInits.Add(slot.Id, call);
            throw;
        }
        catch (KafkaException ex)
        {
            throw Failure(slot, "initialise", ex);
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
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            if (slot.Initialising is { IsCompleted: false } initialising)
            {
                // Given up by a cancelled start: disposed once librdkafka returns from the call (its outcome is moot,
                // and observed by AbandonedInits).
                initialising.ContinueWith(
                    static (_, producer) => ((IProducer<TKey, TValue>)producer!).Dispose(),
                    slot.Producer,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            else
            {
                slot.Producer.Dispose();
            }
        }

        _transitions.Dispose();
    }

    private sealed class Slot(string id, IProducer<TKey, TValue> producer)
    {
        public string Id { get; } = id;

        public IProducer<TKey, TValue> Producer { get; } = producer;

        /// <summary>The pre-committed transaction waiting for its checkpoint (or being committed), or null. Read and written under the gate.</summary>
        public PendingTransaction? Pending;

        /// <summary>True while a transaction is open on the producer.</summary>
        public volatile bool Open;

        /// <summary>The call initialising the transactional id, once started.</summary>
        public Task? Initialising;
    }

    /// <summary>A transaction pre-committed for a checkpoint, from its pre-commit until its commit or abort.</summary>
    private sealed class PendingTransaction(long checkpoint, List<TopicPartitionOffset>? offsets)
    {
        public long Checkpoint { get; } = checkpoint;

        public List<TopicPartitionOffset>? Offsets { get; } = offsets;

        /// <summary>A commit has taken it (under the gate): nothing else commits or aborts it.</summary>
        public bool Claimed;

        /// <summary>Completes when the checkpoint task has decided about it: committed (or failed to), or kept for the next checkpoint.</summary>
        public TaskCompletionSource Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when it is no longer open: committed, failed or aborted.</summary>
        public TaskCompletionSource Settled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
