using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>
/// This instance's side of the consumer-group protocol: where newly assigned partitions start, what happens to
/// revoked and lost ones, the commits of completed checkpoints, and the commit once the run has drained. Called
/// from inside the consumer's poll (the rebalance handlers) and from the reader's polling, never concurrently;
/// only <see cref="RequestCommit"/> comes from another thread. Commits run through <see cref="OffsetCommits"/>, so
/// a commit queued behind a rebalance never holds the polling thread for longer than its bound.
/// </summary>
/// <remarks>
/// While the run goes on, what is committed is the position of the latest completed checkpoint: every result
/// derived from the records before it has reached the sinks. A revoked partition is committed up to that
/// position; records read from it since may still sit in open windows, so its next owner reads them again.
/// After the drain everything handed out has reached the sinks, so the owned partitions are committed, and so is
/// any partition revoked from then on (leaving the group, or a rebalance that interrupts the final commit). A
/// commit that the group refuses because its generation changed is retried for the partitions still owned in the
/// new generation; what cannot be committed in time is left to the partitions' next owner, which reads those
/// records again (at-least-once).
/// </remarks>
internal sealed class GroupMembership<TKey, TValue>(KafkaSourceOptions<TKey, TValue> options, string sourceName, ILogger logger, OffsetTracker offsets)
{
    private readonly KeyValuePair<string, object?> _sourceTag = new("source", sourceName);
    private KafkaPosition? _requested;
    private Task? _checkpointCommit;
    private long _revocationDeadline;
    private bool _leaving;
    private int _callbacks;

    public OffsetTracker Offsets { get; } = offsets;

    public OffsetCommits Commits { get; } = new();

    /// <summary>Told of every commit that lands (the committed-offset gauge).</summary>
    public KafkaPartitionMetrics? Metrics { get; init; }

    /// <summary>Set once the run has drained: from then on revoked partitions are committed.</summary>
    public bool Drained { get; private set; }

    private KafkaPosition? _drainedUpTo;

    /// <summary>What the drain commits of <paramref name="partitions"/>: everything handed out, or the position it was given.</summary>
    private List<TopicPartitionOffset> DrainedOffsets(List<TopicPartition> partitions) =>
        Volatile.Read(ref _drainedUpTo) is { } upTo ? Offsets.Committable(upTo, partitions) : Offsets.Uncommitted(partitions);

    /// <summary>Set while the consumer leaves the group: partitions assigned now are handed back, never read.</summary>
    public bool Leaving => Volatile.Read(ref _leaving);

    /// <summary>How many rebalance handlers have run: the reader leaves the group once this stops moving.</summary>
    public int Callbacks => Volatile.Read(ref _callbacks);

    /// <summary>
    /// Set when an exactly-once sink commits the offsets in its transactions: from then on nothing is committed here,
    /// neither checkpoints nor revoked partitions nor the drain.
    /// </summary>
    public bool OffsetsInTransactions
    {
        get => Volatile.Read(ref _offsetsInTransactions);
        set => Volatile.Write(ref _offsetsInTransactions, value);
    }

    private bool _offsetsInTransactions;

    /// <summary>An exactly-once sink committed <paramref name="offsets"/> in a transaction (thread-safe).</summary>
    public void CommittedInTransaction(List<TopicPartitionOffset> offsets) => Committed(offsets);

    /// <summary>A checkpoint completed: its position is committed at the next poll (thread-safe).</summary>
    public void RequestCommit(KafkaPosition position)
    {
        Volatile.Write(ref _lastCompleted, position);
        Volatile.Write(ref _requested, position);
    }

    /// <summary>The position of the latest completed checkpoint (kept after its commit started: a revocation commits it again if that commit did not land).</summary>
    private KafkaPosition? _lastCompleted;

    /// <summary>
    /// Starts committing the latest completed checkpoint, if one is waiting and no earlier checkpoint commit is still
    /// running; before each poll, on the polling thread. It does not wait for the answer.
    /// </summary>
    public void CommitRequested(IConsumer<TKey, TValue> consumer)
    {
        if (_checkpointCommit is { IsCompleted: false }) return;
        if (Volatile.Read(ref _requested) is not { } position) return;
        Interlocked.CompareExchange(ref _requested, null, position);
        var offsets = Offsets.Committable(position);
        if (offsets.Count == 0) return;
        var commit = Commits.Start(consumer, offsets);
        _checkpointCommit = commit;
        _ = commit.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully) Committed(offsets);
                else KafkaLog.CommitFailed(logger, t.Exception!.InnerException!, sourceName, Describe(offsets));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>From now on the consumer is leaving the group: revocation commits wait until <paramref name="deadline"/> at most, and partitions assigned now are not read.</summary>
    public void StartLeaving(long deadline)
    {
        Volatile.Write(ref _revocationDeadline, deadline);
        Volatile.Write(ref _leaving, true);
    }

    /// <summary>
    /// Takes an assignment: returns where each partition starts, and in <paramref name="read"/> whether they are read
    /// (false once the reader is draining or leaving the group: they go back to the group unread).
    /// </summary>
    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<TKey, TValue> consumer, List<TopicPartition> partitions, out bool read)
    {
        Interlocked.Increment(ref _callbacks);
        bool stopping = Drained || Leaving;
        read = !stopping;
        var readAgain = new List<(TopicPartition Partition, long Records)>();
        var starts = Offsets.Assign(partitions, resume: !options.StartAtCommittedOffsets, readAgain);
        if (!OffsetsInTransactions)
        {
            foreach (var (partition, records) in readAgain) Metrics?.ReadAgain(partition, records, lost: false);
        }

        if (partitions.Count > 0 && options.StartAtCommittedOffsets && !stopping) starts = StartAtCommitted(consumer, starts);
        if (partitions.Count > 0)
        {
            if (stopping)
            {
                // Taken as assigned (the cooperative protocol allows nothing else) but never read: leaving the group
                // revokes them again without a commit, so their next owner starts where the group's commit is.
                KafkaLog.AssignedWhileStopping(logger, sourceName, Describe(starts));
            }
            else
            {
                KafkaLog.Assigned(logger, sourceName, Describe(starts));
            }

            Notify(options.OnPartitionsAssigned, partitions, nameof(options.OnPartitionsAssigned), "assigned");
        }

        return starts;
    }

    /// <summary>
    /// Reads the group's committed offsets of the partitions that start there, so the stage after the source restores
    /// the state stored with exactly the offset reading starts at; a partition without a commit starts from the
    /// beginning, without state.
    /// </summary>
    private List<TopicPartitionOffset> StartAtCommitted(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> starts)
    {
        var unset = starts.Where(s => s.Offset == Offset.Unset).Select(s => s.TopicPartition).ToList();
        if (unset.Count > 0)
        {
            List<TopicPartitionOffset> committed;
            try
            {
                committed = consumer.Committed(unset, options.CommitTimeout);
            }
            catch (KafkaException ex)
            {
                throw new KafkaException(new Error(ex.Error.Code,
                    $"Kafka source {sourceName}: cannot read the committed offsets of {string.Join(", ", unset)} from group '{options.GroupId}' ({ex.Error.Reason}); the keyed state of these partitions is stored with them, so reading cannot start without them."), ex);
            }

            var byPartition = committed.Where(c => c.Offset.Value >= 0).ToDictionary(c => c.TopicPartition, c => c.Offset);
            starts = [.. starts.Select(s => s.Offset == Offset.Unset && byPartition.TryGetValue(s.TopicPartition, out var offset) ? new TopicPartitionOffset(s.TopicPartition, offset) : s)];
            Offsets.StartAt(starts);
        }

        options.OnPartitionsStarting?.Invoke(starts);
        return starts;
    }

    public void OnRevoked(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        Interlocked.Increment(ref _callbacks);
        var revoked = partitions.Select(p => p.TopicPartition).ToList();
        string outcome;
        if (OffsetsInTransactions)
        {
            outcome = "offsets are committed in the exactly-once sink's transactions";
            long again = revoked.Sum(Offsets.PastCommit);
            if (!Drained && !Leaving && again > 0) KafkaLog.RevokedWithOffsetsInTransactions(logger, sourceName, again, string.Join(", ", revoked));
        }
        else if (Drained)
        {
            var offsets = DrainedOffsets(revoked);
            outcome = offsets.Count == 0 ? "nothing new to commit" : CommitBeforeRelease(consumer, offsets, "committed " + Describe(offsets));
        }
        else
        {
            // The latest completed checkpoint covers what has reached the sinks; what was read after it is read
            // again by the next owner. A reader whose results commit with its offsets first lets the checkpoints in
            // flight finish, and the commit of the last one land, so the next owner starts exactly where they left.
            if (revoked.Count > 0 && options.BeforePartitionsRevoked is { } before)
            {
                before(revoked);
                if (_checkpointCommit is { IsCompleted: false } landing)
                {
                    try
                    {
                        landing.Wait(options.CommitTimeout);
                    }
                    catch (AggregateException)
                    {
                        // Logged by the commit's continuation; the commit below tries again.
                    }
                }
            }

            var offsets = Volatile.Read(ref _lastCompleted) is { } position ? Offsets.Committable(position, revoked) : [];
            outcome = offsets.Count == 0
                ? "committed up to the last checkpoint"
                : CommitBeforeRelease(consumer, offsets, $"committed the last checkpoint {Describe(offsets)}");
            long again = revoked.Sum(Offsets.PastCommit);
            outcome += again == 0 ? "; nothing was read since" : $"; {again} records were read since, which the partitions' next owner reads again";
        }

        Offsets.Release(revoked);
        if (revoked.Count > 0)
        {
            KafkaLog.Revoked(logger, sourceName, outcome, string.Join(", ", revoked));
            Notify(options.OnPartitionsRevoked, revoked, nameof(options.OnPartitionsRevoked), "revoked");
        }
    }

    public void OnLost(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> partitions)
    {
        Interlocked.Increment(ref _callbacks);
        var lost = partitions.Select(p => p.TopicPartition).ToList();
        if (!OffsetsInTransactions)
        {
            foreach (var partition in lost) Metrics?.ReadAgain(partition, Offsets.PastCommit(partition), lost: true);
        }

        Offsets.Forget(lost);
        KafkaLog.Lost(logger, sourceName, string.Join(", ", lost));
        Notify(options.OnPartitionsRevoked, lost, nameof(options.OnPartitionsRevoked), "lost");
    }

    /// <summary>
    /// Tells the user's callback about an assignment change that has happened. It runs inside librdkafka's rebalance
    /// callback, where an exception would unwind through the client in the middle of the group protocol (and a leave
    /// then skip its close), while the change itself stands: a failure is logged, and the source goes on.
    /// </summary>
    private void Notify(Action<IReadOnlyList<TopicPartition>>? callback, List<TopicPartition> partitions, string name, string outcome)
    {
        if (callback is null) return;
        try
        {
            callback(partitions);
        }
        catch (Exception ex)
        {
            KafkaLog.PartitionCallbackFailed(logger, ex, sourceName, name, string.Join(", ", partitions), outcome);
        }
    }

    /// <summary>
    /// Commits the position of every partition this instance owns, once the run has drained. While the commit
    /// waits for the group (a rebalance holds it back), <paramref name="serveGroup"/> polls so the rebalance can
    /// finish: the revocation handler commits what is revoked, partitions assigned now are handed back. A commit
    /// refused because the generation changed is retried for the partitions still owned. After
    /// <see cref="KafkaSourceOptions{TKey, TValue}.CommitTimeout"/> the rest is left to the partitions' next owner,
    /// with a warning; only an error that is not about the group's membership fails the run.
    /// </summary>
    /// <param name="consumer">The consumer.</param>
    /// <param name="serveGroup">Polls once without handing records out.</param>
    /// <param name="upTo">
    /// Null to commit everything handed out; else the position of the last completed checkpoint, committed instead
    /// (and for partitions revoked from now on): when state moves with the partitions, only an offset whose snapshot
    /// is stored may be committed.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask CommitAfterDrainAsync(IConsumer<TKey, TValue> consumer, Action serveGroup, KafkaPosition? upTo, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _drainedUpTo, upTo);
        Drained = true;

        // A network deadline, like librdkafka's own timeouts: real time, not the run's (possibly scripted) clock.
        long deadline = Stopwatch.GetTimestamp() + Ticks(options.CommitTimeout);
        Volatile.Write(ref _revocationDeadline, deadline);
        while (true)
        {
            var offsets = DrainedOffsets(consumer.Assignment);
            if (offsets.Count == 0) return;
            var commit = Commits.Start(consumer, offsets);
            while (!commit.IsCompleted && Stopwatch.GetTimestamp() < deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                serveGroup();
                await Task.Yield();
            }

            if (!commit.IsCompleted)
            {
                KafkaLog.CommitLeftToNextOwner(logger, sourceName, Describe(offsets), $"no answer from the group within {options.CommitTimeout.TotalSeconds:0.#} s: it is rebalancing, or the coordinator is unreachable");
                return;
            }

            if (commit.IsCompletedSuccessfully)
            {
                Committed(offsets);
                return;
            }

            var error = (KafkaException)commit.Exception!.InnerException!;
            if (!IsMembershipChange(error))
            {
                throw new KafkaException(
                    new Error(error.Error.Code, $"Committing offsets {Describe(offsets)} of group '{options.GroupId}' failed: {error.Error.Reason}. The records since the last commit will be read again."),
                    error);
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                KafkaLog.CommitLeftToNextOwner(logger, sourceName, Describe(offsets), error.Error.Reason);
                return;
            }

            // The group moved to a new generation: serve it, then commit what this instance still owns in it.
            KafkaLog.CommitDuringRebalance(logger, sourceName, error.Error.Reason);
            cancellationToken.ThrowIfCancellationRequested();
            serveGroup();
            await Task.Yield();
        }
    }

    /// <summary>Commits inside the revocation handler, before the partitions go: waits while the commit may still land in time.</summary>
    private string CommitBeforeRelease(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> offsets, string committed)
    {
        var commit = Commits.Start(consumer, offsets);
        long deadline = Volatile.Read(ref _revocationDeadline);
        var wait = deadline == 0 ? options.CommitTimeout : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        try
        {
            if (wait > TimeSpan.Zero && commit.Wait(wait))
            {
                Committed(offsets);
                return committed;
            }

            return $"the commit of {Describe(offsets)} is still waiting for the group; if it does not land, the next owner reads these records again";
        }
        catch (AggregateException ex) when (ex.InnerException is KafkaException error)
        {
            KafkaLog.CommitFailed(logger, error, sourceName, Describe(offsets));
            options.OnReleasedUncommitted?.Invoke(offsets, error.Error.Reason);
            return "commit failed; the next owner reads the records since the last commit again";
        }
    }

    /// <summary>
    /// The consumer has left the group: the partitions revoked on the way out are gone for good, and the records read
    /// past their last commit are counted as read again (<see cref="KafkaPartitionMetrics.RecordsReadAgain"/>).
    /// </summary>
    public void Left()
    {
        var gone = Offsets.TakeReleased();
        if (OffsetsInTransactions) return;
        foreach (var (partition, records) in gone) Metrics?.ReadAgain(partition, records, lost: false);
    }

    private void Committed(List<TopicPartitionOffset> offsets)
    {
        Offsets.MarkCommitted(offsets);
        Metrics?.Committed(offsets);
        options.OnCommitted?.Invoke(offsets);
        KafkaMetrics.OffsetCommits.Add(offsets.Count, _sourceTag);
        KafkaLog.Committed(logger, sourceName, Describe(offsets));
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The commit was refused because this member's place in the group changed (a rebalance, a new generation, or it left).</summary>
    private static bool IsMembershipChange(KafkaException ex) =>
        IsMembershipChange(ex.Error.Code) || (ex is TopicPartitionOffsetException partial && partial.Results.Any(r => IsMembershipChange(r.Error.Code)));

    private static bool IsMembershipChange(ErrorCode code) => code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration
        or ErrorCode.UnknownMemberId or ErrorCode.Local_State or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress
        or ErrorCode.Local_AssignmentLost or ErrorCode.FencedInstanceId or ErrorCode.StaleMemberEpoch;

    private static string Describe(IEnumerable<TopicPartitionOffset> offsets) =>
        string.Join(", ", offsets.Select(o => o.Offset == Offset.Unset ? $"{o.Topic} [{o.Partition.Value}] from committed" : $"{o.Topic} [{o.Partition.Value}] @{o.Offset.Value}"));
}
