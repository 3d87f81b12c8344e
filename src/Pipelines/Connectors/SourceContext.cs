using Pipelines.Runtime;

namespace Pipelines;

/// <summary>Facts about the run a source reader is opened for, and where it reports records it cannot read.</summary>
public sealed class SourceContext
{
    private readonly OperatorErrorHandler _errors;
    private readonly Lock _handoverLock = new();
    private List<Exchanges.PartitionHandover>? _handovers;
    private object? _source;

    internal SourceContext(TimeProvider timeProvider, bool isStreaming, int batchSize, OperatorErrorHandler errors)
    {
        TimeProvider = timeProvider;
        IsStreaming = isStreaming;
        BatchSize = batchSize;
        _errors = errors;
    }

    /// <summary>The run's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True under the streaming executor.</summary>
    public bool IsStreaming { get; }

    /// <summary>The most elements the executor asks for at once.</summary>
    public int BatchSize { get; }

    /// <summary>The run's wait for its stages to have processed everything handed to them; null when they process it within the source's calls.</summary>
    internal Func<CancellationToken, ValueTask>? DownstreamIdle { get; init; }

    /// <summary>
    /// Completes once the run has nothing in flight: every element, watermark and processing-time tick handed to a
    /// stage has been processed, and what the stages emitted for them as well, down to the sinks — or the stage that
    /// holds it waits for the clock itself. Under the bounded executor it completes at once: the stages process what
    /// a source hands on before the source reads again.
    /// </summary>
    /// <remarks>
    /// For a scripted source that moves a test clock (<c>TestStream</c> advancing processing time): called from
    /// <see cref="SourceReader{T}.WaitToReadAsync"/>, after the executor has handed on everything the reader gave it,
    /// it makes every stage see the elements before the step at the old time, however many stages and workers lie
    /// between. Not waited for: a stage whose operator waits for the clock itself (<c>Throttle</c>'s delay, after what
    /// it let out has gone on; a <c>SelectAsync</c> retry's back-off), which only the clock can end, and stages whose
    /// writes wait for room behind it; messages a stage holds back to align a checkpoint's barrier or a partition
    /// handover. A user's asynchronous call that waits on the test clock holds it for ever, and so does a source whose
    /// own writes wait behind a stage waiting for the clock (it never gets to the step); elements that other sources
    /// keep sending delay it, and a source that lingers (<see cref="StreamingOptions.Linger"/>) still holds what it has
    /// not handed on.
    /// </remarks>
    /// <param name="cancellationToken">Stops the wait.</param>
    public ValueTask WhenDownstreamIdleAsync(CancellationToken cancellationToken) =>
        DownstreamIdle is { } idle ? idle(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>
    /// The error policy that applies to this source's bad records: the one set with <c>OnError</c> right after
    /// <see cref="PipelineBuilder.From{T}"/>, else the pipeline's (<see cref="PipelineBuilder.OnError"/>).
    /// </summary>
    public ErrorPolicy ErrorPolicy => _errors.Policy;

    /// <summary>
    /// Reports a record the source could not turn into an element (a malformed line, an undecodable message),
    /// so it is never dropped silently. Under <see cref="Pipelines.ErrorPolicy.Fail"/> this throws a
    /// <see cref="PipelineExecutionException"/> naming the source and the record, which fails the run; under
    /// <see cref="Pipelines.ErrorPolicy.Skip"/> it counts the record in <see cref="RunSummary.ElementsSkipped"/>;
    /// under <see cref="Pipelines.ErrorPolicy.DeadLetter"/> it sends a <see cref="DeadLetter"/> with the record and
    /// the reason to the dead-letter sink and counts it in <see cref="RunSummary.ElementsDeadLettered"/>.
    /// Call it from a read (<see cref="SourceReader{T}.TryRead(Span{T})"/> and its overload) or from <see cref="SourceReader{T}.WaitToReadAsync"/>.
    /// </summary>
    /// <param name="record">The raw record, with whatever locates it (file and line, partition and offset).</param>
    /// <param name="reason">Why it could not be read; its message should say where and what.</param>
    /// <exception cref="PipelineExecutionException">The policy is <see cref="Pipelines.ErrorPolicy.Fail"/>.</exception>
    public void ReportBadRecord(object? record, Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _errors.Handle(reason, record, Time.EventTime.MinWatermark);
    }

    /// <summary>
    /// True when the run keeps the keyed state after this source per partition (the source is an
    /// <see cref="IPartitionedStateSource"/> read by a keyed stage, and the run stores checkpoints): the reader must
    /// then report its assignments and revocations with <see cref="AssignPartitions"/> and <see cref="RevokePartitions"/>.
    /// </summary>
    public bool KeepsPartitionedState => _source is not null;

    /// <summary>
    /// The reader was assigned <paramref name="partitions"/>, each to be read from the given offset (null: from the
    /// start, there is no state to restore). The keyed stage after the source restores each partition's state as
    /// stored with that offset before any element read after this call. Call it from the reader's thread (a read, a
    /// wait, or a callback they run), and return from the current read right after it: elements the read returns
    /// come before the assignment. Does nothing unless <see cref="KeepsPartitionedState"/>.
    /// </summary>
    /// <param name="partitions">The partitions and their start offsets.</param>
    public void AssignPartitions(IReadOnlyList<(int Partition, long? Offset)> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_source is null || partitions.Count == 0) return;
        Enqueue(new Exchanges.PartitionHandover(_source, [.. partitions], []));
    }

    /// <summary>
    /// The reader lost <paramref name="partitions"/>: the keyed stage after the source drops their state, without
    /// emitting it, after every element read before this call (their next owner restores it). Call it as
    /// <see cref="AssignPartitions"/>. Does nothing unless <see cref="KeepsPartitionedState"/>.
    /// </summary>
    /// <param name="partitions">The partitions.</param>
    public void RevokePartitions(IReadOnlyList<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_source is null || partitions.Count == 0) return;
        Enqueue(new Exchanges.PartitionHandover(_source, [], [.. partitions]));
    }

    /// <summary>
    /// The consumer group (or whatever keeps the exchange's committed positions) accepted the commit of
    /// <paramref name="partitions"/> at these offsets, or the reader found them committed when it was assigned them: no
    /// owner resumes those partitions before these offsets any more, so the state stored with older offsets can go.
    /// Report only commits that were confirmed, never ones only requested: until a newer one is confirmed, the state
    /// stored with the last confirmed offset is kept, however many checkpoints follow (a rebalance can refuse commits
    /// for a while). A source that never reports keeps the newest 64 offsets of each partition. Does nothing unless
    /// <see cref="KeepsPartitionedState"/>.
    /// </summary>
    /// <param name="partitions">The partitions and their committed offsets.</param>
    public void PartitionsCommitted(IReadOnlyList<(int Partition, long Offset)> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_source is null || _partitionStore is null) return;
        foreach (var (partition, offset) in partitions) _partitionStore.Committed(_source, partition, offset);
    }

    /// <summary>
    /// True when the run stores this source's positions in its checkpoints (<see cref="StreamingOptions.CheckpointStorage"/>)
    /// and a restarted run resumes from them (not when keyed state moves with an exchange's partitions, whose runs
    /// start from the group's offsets). A reader opened then without a position starts from nothing a run stored:
    /// whatever state it keeps outside the run (a replication slot, a consumer group's offsets) may have been left by a
    /// run that stopped before its first checkpoint completed (or the storage was emptied).
    /// </summary>
    public bool PositionsStored { get; internal set; }

    /// <summary>
    /// True when an exchange downstream sends each element's origin along (<see cref="Sink{T}.ReceivesOrigins"/>): a
    /// reader that can tell where each element was read should then provide origins
    /// (<see cref="SourceReader{T}.ProvidesOrigins"/>), so that elements read twice are dropped after the exchange.
    /// </summary>
    public bool TracksOrigins { get; internal set; }

    /// <summary>
    /// Stores the reader's own state of <paramref name="partition"/> for resuming at <paramref name="offset"/> (what
    /// it needs besides the offset), beside the keyed state stored for that offset, in the checkpoint storage the
    /// instances share: the partition's next owner reads it with <see cref="ReadPartitionStateAsync"/> when it is
    /// assigned the partition at that offset. Store it before the offset is committed. Does nothing unless
    /// <see cref="KeepsPartitionedState"/>.
    /// </summary>
    /// <param name="name">Names the state within the storage the whole pipeline shares: include what identifies the source (a topic's name), since another source's partitions have the same numbers.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset the state belongs to.</param>
    /// <param name="state">The state's bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task WritePartitionStateAsync(string name, int partition, long offset, byte[] state, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(state);
        if (_source is null || _partitionStore is null) return Task.CompletedTask;
        return _partitionStore.WriteAsync($"source-{name}", _source, partition, offset, offset, state, cancellationToken);
    }

    /// <summary>
    /// The reader's own state of <paramref name="partition"/> stored for <paramref name="offset"/>
    /// (<see cref="WritePartitionStateAsync"/>), or null when none was stored (or unless <see cref="KeepsPartitionedState"/>).
    /// </summary>
    /// <param name="name">Names the state, as when it was written.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset the reader resumes the partition at.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<byte[]?> ReadPartitionStateAsync(string name, int partition, long offset, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_source is null || _partitionStore is null) return Task.FromResult<byte[]?>(null);
        return _partitionStore.ReadAsync($"source-{name}", partition, offset, cancellationToken);
    }

    /// <summary>Turns on <see cref="KeepsPartitionedState"/> for <paramref name="source"/>, whose partitions' state <paramref name="store"/> keeps.</summary>
    internal void KeepPartitionedState(object source, Checkpoints.Storage.PartitionStateStore? store)
    {
        _source = source;
        _partitionStore = store;
    }

    private Checkpoints.Storage.PartitionStateStore? _partitionStore;

    /// <summary>True when handovers wait to be sent (read once per read, not per element).</summary>
    internal bool HasHandovers => Volatile.Read(ref _handovers) is not null;

    /// <summary>The handovers reported since the last call, in order.</summary>
    internal List<Exchanges.PartitionHandover>? TakeHandovers()
    {
        lock (_handoverLock)
        {
            var taken = _handovers;
            _handovers = null;
            return taken;
        }
    }

    private void Enqueue(Exchanges.PartitionHandover handover)
    {
        lock (_handoverLock) (_handovers ??= []).Add(handover);
    }
}
