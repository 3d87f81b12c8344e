namespace Pipelines.Runtime;

/// <summary>
/// An operator's output: buffers elements into a batch and hands full batches (and every control signal) to
/// each downstream target. Operators flush at the end of every input batch, so nothing waits here.
/// </summary>
internal sealed class Output<T> : IOutput
{
    private readonly IBatchTarget<T>[] _targets;
    /// <summary>Every target, when every one reads spans (<see cref="ISpanTarget{T}"/>); null otherwise.</summary>
    private readonly ISpanTarget<T>[]? _spanTargets;
    private Batch<T> _buffer;

    private readonly Diagnostics.OperatorTelemetry _telemetry;

    public Output(IBatchTarget<T>[] targets, int batchSize, Diagnostics.OperatorTelemetry telemetry)
    {
        _targets = targets;
        _spanTargets = targets.Length > 0 && Array.TrueForAll(targets, t => t is ISpanTarget<T>) ? [.. targets.Cast<ISpanTarget<T>>()] : null;
        if (targets.Length == 1 && targets[0] is IPushEdge<T> { Elements: { } elements } edge)
        {
            _pushEdge = edge;
            _pushTarget = elements;
        }
        _buffer = new Batch<T>(batchSize);
        _telemetry = telemetry;
    }

    /// <summary>Elements in the buffer, not yet handed on.</summary>
    public int Buffered => _buffer.Count;

    /// <summary>True when the buffer has no room left.</summary>
    public bool Full => _buffer.Free == 0;

    /// <summary>The buffer, with room for at least <paramref name="count"/> more elements (flushing first if needed).</summary>
    public Batch<T> Reserve(int count)
    {
        if (_pushed > 0) EndPushes();
        if (_buffer.Free < count) Flush();
        return _buffer;
    }

    /// <summary>True when <see cref="SendSpan"/> can be used: every target reads spans, and nothing is buffered.</summary>
    public bool CanSendSpan => _spanTargets is not null && _buffer.Count == 0;

    /// <summary>
    /// Hands elements and their event times to every target without copying them (see <see cref="CanSendSpan"/>):
    /// one after the other, each reading them in place (a stream used twice — two filters of one source — reads the
    /// source's storage twice rather than a copy of it).
    /// </summary>
    public void SendSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps)
    {
        if (_pushed > 0) EndPushes();
        _telemetry.ElementsOut(values.Length);
        foreach (var target in _spanTargets!) target.OnSpan(values, timestamps);
    }

    /// <summary>The edge to the only target, when that target takes elements one at a time (<see cref="Push"/>).</summary>
    private readonly IPushEdge<T>? _pushEdge;

    /// <summary>The operator <see cref="_pushEdge"/> leads to.</summary>
    private readonly IStageElementInput<T>? _pushTarget;

    /// <summary>Elements pushed since the last flush.</summary>
    private int _pushed;

    /// <summary>
    /// True when the only target is an operator on this thread that takes elements one at a time
    /// (<see cref="Push"/>): a producer that makes its elements one by one (a fused run) hands them on without
    /// storing them into the buffer, which for a large struct with references costs more than the operator's work.
    /// </summary>
    public bool CanPush => _pushTarget is not null;

    /// <summary>
    /// Hands one element straight to the only target (see <see cref="CanPush"/>); its batch ends at the next flush. A
    /// failure of the target's is not handled here: the caller hands it back with <see cref="PushFailed"/>.
    /// </summary>
    public void Push(in T value, long timestamp)
    {
        _pushed++;
        _pushTarget!.Push(in value, timestamp);
    }

    /// <summary>The target failed on an element pushed to it (null when unknown): its own handling (output withdrawn, error policy).</summary>
    public void PushFailed(object? element, long timestamp, Exception error) => _pushTarget!.Failed(element, timestamp, error);

    /// <remarks>An output is either pushed through (a run's <see cref="Operators.PushStep{T}"/>) or emitted into, never both between two flushes: this per-element path does not check.</remarks>
    public void Emit(T value, long timestamp)
    {
        var buffer = _buffer;
        buffer.Values[buffer.Count] = value;
        buffer.Timestamps[buffer.Count] = timestamp;
        if (++buffer.Count == buffer.Capacity) Flush();
    }

    /// <summary>Appends an element read from <paramref name="origin"/> (the path to an exchange that drops elements read twice).</summary>
    public void Emit(T value, long timestamp, ElementOrigin origin)
    {
        // A run's tracked copy (batches with origins) emits into the output its plain steps push through: what they
        // pushed is closed first, so the order stays the order of the input.
        if (_pushed > 0) EndPushes();
        var buffer = _buffer;
        buffer.Values[buffer.Count] = value;
        buffer.Timestamps[buffer.Count] = timestamp;
        buffer.TrackOrigins()[buffer.Count] = origin;
        if (++buffer.Count == buffer.Capacity) Flush();
    }

    /// <summary>Set once <see cref="StampFrom"/> was called: every element carries an origin from then on.</summary>
    private bool _stamping;

    /// <summary>The origin of the elements emitted since the last stamp.</summary>
    private ElementOrigin _stamp = ElementOrigin.None;

    /// <summary>The elements of the buffer before this index carry their origins already.</summary>
    private int _stampedUpTo;

    public void StampFrom(ElementOrigin origin)
    {
        if (!_stamping)
        {
            // Whatever was emitted before the first scope came from no known partition.
            _stamping = true;
            _stamp = ElementOrigin.None;
        }

        StampPending();
        _stamp = origin;
    }

    /// <summary>Gives the elements emitted since the last stamp (through <see cref="Emit(T, long)"/> or written into <see cref="Reserve"/>) the current origin.</summary>
    private void StampPending()
    {
        if (!_stamping) return;
        var buffer = _buffer;
        int from = Math.Min(_stampedUpTo, buffer.Count);
        if (from < buffer.Count) Array.Fill(buffer.TrackOrigins(), _stamp, from, buffer.Count - from);
        _stampedUpTo = buffer.Count;
    }

    public void Flush()
    {
        if (_pushed > 0) EndPushes();
        var buffer = _buffer;
        if (_stamping) StampPending();
        _stampedUpTo = 0;
        if (buffer.Count == 0) return;
        buffer.Owner = this;
        try
        {
            Send(buffer);
        }
        finally
        {
            // When a channel edge took the buffer (it adopted a replacement before publishing it), the batch
            // belongs to the channel now and must not be touched; otherwise it is reused.
            if (ReferenceEquals(_buffer, buffer))
            {
                buffer.Owner = null;
                buffer.Count = 0;
                buffer.HasOrigins = false;
            }
        }
    }

    private void EndPushes()
    {
        int pushed = _pushed;
        _pushed = 0;
        _telemetry.ElementsOut(pushed);
        _pushEdge!.EndPushes(pushed);
    }

    /// <summary>Continues with <paramref name="replacement"/>: the current buffer was taken over by a channel edge (<see cref="BatchPool{T}.Keep"/>).</summary>
    public void Adopt(Batch<T> replacement)
    {
        replacement.Count = 0;
        replacement.HasOrigins = false;
        replacement.Owner = null;
        _buffer = replacement;
        _stampedUpTo = 0;
    }

    /// <summary>
    /// Passes a batch this operator received and changed in place straight on, without copying it into the
    /// buffer (which must be empty). Only for batches received as <see cref="Batch{T}.Exclusive"/>.
    /// </summary>
    public void Forward(Batch<T> batch)
    {
        Flush();
        if (batch.Count > 0) Send(batch);
    }

    private void Send(Batch<T> batch)
    {
        _telemetry.ElementsOut(batch.Count);
        batch.Exclusive = _targets.Length == 1;
        foreach (var target in _targets) target.OnBatch(batch);
    }

    public void Watermark(long watermark)
    {
        Flush();
        foreach (var target in _targets) target.OnWatermark(watermark);
    }

    public void Idle()
    {
        Flush();
        foreach (var target in _targets) target.OnIdle();
    }

    public void ProcessingTime(long utcTicks)
    {
        foreach (var target in _targets) target.OnProcessingTime(utcTicks);
    }

    public void Barrier(long checkpoint)
    {
        Flush();
        foreach (var target in _targets) target.OnBarrier(checkpoint);
    }

    public void Handover(Exchanges.PartitionHandover handover)
    {
        Flush();
        foreach (var target in _targets) target.OnHandover(handover);
    }

    public void End()
    {
        Flush();
        foreach (var target in _targets) target.OnEnd();
    }
}
