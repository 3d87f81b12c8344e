using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// Reads one source into its producer chain for either executor: elements go into the chain's first batch
/// buffer directly (no copy), or, for in-memory sources whose first operator reads spans, are handed to it in
/// place; every failure of the reader is reported as a failure of the source.
/// </summary>
internal abstract class SourceRunner : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>Elements this source has read.</summary>
    public long ElementsRead { get; protected set; }

    /// <summary>Fraction of the source read, when the source knows its size.</summary>
    public abstract double? FractionRead { get; }

    /// <summary>Set when the source has been read to its end.</summary>
    public bool Completed { get; set; }

    /// <summary>True when the run needs no more of this source's elements (every path to a sink ends in a finished <c>Take</c>).</summary>
    public abstract bool InputNotNeeded { get; }

    /// <summary>Elements read but not yet handed downstream.</summary>
    public abstract int Buffered { get; }

    public abstract bool BufferFull { get; }

    public abstract ValueTask OpenAsync(CancellationToken cancellationToken);

    /// <summary>Completes once nothing the run's stages were handed is left to process (<see cref="SourceContext.WhenDownstreamIdleAsync"/>); null when stages run in the source's own calls (the bounded executor).</summary>
    public Func<CancellationToken, ValueTask>? DownstreamIdle { get; set; }

    /// <summary>Reads what is available now into the buffer; returns how many elements.</summary>
    public abstract int Read();

    /// <summary>Hands the buffered elements downstream.</summary>
    public abstract void Flush();

    public abstract ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    public abstract void Watermark(long watermark);

    public abstract void Idle();

    public abstract void ProcessingTime(long utcTicks);

    public abstract void End();

    /// <summary>The run succeeded: lets the reader make its position durable (<see cref="SourceReader{T}.CommitAsync(CancellationToken)"/>).</summary>
    public abstract ValueTask CommitAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>True when the reader commits positions during the run (<see cref="SourceReader{T, TPosition}.CommitsDuringRun"/>).</summary>
    public abstract bool CommitsDuringRun { get; }

    /// <summary>
    /// Hands the buffered elements downstream, takes the reader's position after them and gives it to
    /// <paramref name="positionTaken"/>, then sends a checkpoint barrier behind them. The position is handed over
    /// first because the barrier may complete the checkpoint before this returns (downstream workers can run on this
    /// thread), and the checkpoint must then find it.
    /// </summary>
    public abstract void Barrier(long checkpoint, Action<object?> positionTaken);

    /// <summary>The reader's position now, as <see cref="Barrier"/> takes it, without a barrier (the source has finished reading).</summary>
    public object? CapturePosition() => CapturePosition(null);

    /// <summary>The reader's position now: at checkpoint <paramref name="checkpoint"/>'s barrier, or outside a barrier when null.</summary>
    protected abstract object? CapturePosition(long? checkpoint);

    /// <summary>False while the reader's position cannot be checkpointed (<see cref="SourceReader{T, TPosition}.CanCheckpoint"/>): the barrier waits.</summary>
    public abstract bool MayPassBarrier { get; }

    /// <summary>Commits a position <see cref="Barrier"/> returned, once its checkpoint completed.</summary>
    public abstract ValueTask CommitAsync(object position, CancellationToken cancellationToken);

    /// <summary>
    /// Checkpoints store state: <see cref="Barrier"/> takes the position of every reader that has one, not only of
    /// readers that commit during the run, and <see cref="PositionToJson"/> writes it with <paramref name="json"/>.
    /// </summary>
    /// <param name="json">How positions are written.</param>
    /// <param name="restored">True when a later run resumes from them (not when keyed state moves with an exchange's partitions, whose runs restore no positions).</param>
    public void StorePositions(System.Text.Json.JsonSerializerOptions json, bool restored)
    {
        PositionJson = json;
        PositionsRestored = restored;
    }

    /// <summary>Set by <see cref="StorePositions"/>: a later run resumes from the positions stored (<see cref="SourceContext.PositionsStored"/>).</summary>
    protected bool PositionsRestored { get; private set; }

    /// <summary>Set by <see cref="StorePositions"/>.</summary>
    protected System.Text.Json.JsonSerializerOptions? PositionJson { get; private set; }

    /// <summary>Opens the reader at <paramref name="position"/> (restored from a checkpoint) instead of where it would start.</summary>
    public void ResumeAt(System.Text.Json.JsonElement position) => RestoredPosition = position;

    /// <summary>Set by <see cref="ResumeAt"/>.</summary>
    protected System.Text.Json.JsonElement? RestoredPosition { get; private set; }

    /// <summary>
    /// Where a checkpoint puts a source whose reader never opened (a drain came while it was opening): the position
    /// it was to resume at (<see cref="ResumeAt"/>), or null when it was to start as a new run does.
    /// </summary>
    public System.Text.Json.JsonElement? PositionBeforeOpening => RestoredPosition;

    /// <summary>
    /// The keyed stage after this source keeps its state per partition of the source (an
    /// <see cref="IPartitionedStateSource"/>): the reader is told so (<see cref="SourceContext.KeepsPartitionedState"/>)
    /// and its assignments and revocations go downstream in order with the elements.
    /// </summary>
    public bool KeepsPartitionedState { get; set; }

    /// <summary>Where the keyed stage after this source keeps its state per partition (with <see cref="KeepsPartitionedState"/>).</summary>
    public Checkpoints.Storage.PartitionStateStore? PartitionStore { get; set; }

    /// <summary>A position <see cref="Barrier"/> returned, as JSON for a checkpoint.</summary>
    public abstract System.Text.Json.JsonElement PositionToJson(object position);
}

/// <summary>The typed runner.</summary>
internal sealed class SourceRunner<T>(SourceNode<T> node, WorkerContext context) : SourceRunner
{
    private readonly Output<T> _output = node.BuildOutput(context);
    private readonly Diagnostics.OperatorTelemetry _telemetry = context.Telemetry.For(node.Source.Name, context.Worker);

    /// <summary>Whether a <c>Take</c> downstream can make the rest of this source unneeded.</summary>
    private readonly bool _mayEnd = InputDemand.MayEnd(node);
    private SourceReader<T>? _reader;
    private SourceContext? _sourceContext;

    /// <summary>The reader's capabilities, read once when it opens (<see cref="SourceReader{T}.ProvidesTimestamps"/>, <see cref="SourceReader{T}.CanReadSpans"/>).</summary>
    private bool _timestamps;
    private bool _spans;

    /// <summary>The reader provides origins and an exchange downstream wants them (<see cref="SourceContext.TracksOrigins"/>).</summary>
    private bool _origins;

    /// <summary>What the origins' partitions are mixed with: non-zero when they meet another source's in a union (<see cref="Plan.OriginPaths.SaltOf"/>).</summary>
    private long _originSalt;

    /// <summary>
    /// Set when a read handed a span of the source's storage straight to the first operator: that batch is already
    /// downstream, and <see cref="BufferFull"/> says so until <see cref="Flush"/>, so executors drain the sinks
    /// (and apply backpressure) after each one as they do after a full buffer.
    /// </summary>
    private bool _handedOver;

    public override string Name => node.Source.Name;

    public override int Buffered => _output.Buffered;

    public override bool InputNotNeeded => _mayEnd && InputDemand.Ended(node, context.Run);

    public override double? FractionRead => Completed ? 1.0 : _reader?.FractionRead;

    public override bool BufferFull => _handedOver || _output.Full;

    private SourceReader<T> Reader => _reader ?? throw new InvalidOperationException($"Source '{Name}' is not open.");

    public override async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var errors = context.ContextFor(node, OperatorName).Errors;
            var sourceContext = new SourceContext(context.TimeProvider, context.Run.Policy.WatermarksDuringRun, context.BatchSize, errors)
            {
                TracksOrigins = OriginPaths.ReachExchange(node),
                PositionsStored = PositionJson is not null && PositionsRestored,
                DownstreamIdle = DownstreamIdle,
            };
            if (KeepsPartitionedState) sourceContext.KeepPartitionedState(node.Source, PartitionStore);
            _sourceContext = sourceContext;
            _reader = RestoredPosition is { } restored
                ? await node.Source.OpenAtAsync(sourceContext, restored, PositionJson ?? Checkpoints.Serialization.JsonStateOptions.Default, cancellationToken).ConfigureAwait(false)
                : await node.Source.OpenAsync(sourceContext, cancellationToken).ConfigureAwait(false);
            _timestamps = _reader.ProvidesTimestamps;
            _origins = sourceContext.TracksOrigins && _reader.ProvidesOrigins;
            _originSalt = _origins ? OriginPaths.SaltOf(node) : 0;
            _spans = _reader.CanReadSpans && !_timestamps && !_origins;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }

        if (node.Source.ProvidesEventTime && !_timestamps)
        {
            throw Failed(new InvalidOperationException(
                $"The source declares ProvidesEventTime, but its reader ({_reader.GetType().Name}) does not provide timestamps: override ProvidesTimestamps and TryRead(Span<T>, Span<long>)."));
        }
    }

    public override int Read()
    {
        if (_sourceContext is { HasHandovers: true }) SendHandovers();
        int read = ReadElements();
        if (_sourceContext is { HasHandovers: true }) SendHandovers();
        return read;
    }

    /// <summary>
    /// Sends the partitions the reader reported assigned or lost since the last call, behind the elements read before
    /// (the buffer is flushed first) and ahead of every element read after.
    /// </summary>
    private void SendHandovers()
    {
        if (_sourceContext?.TakeHandovers() is not { } handovers) return;
        Flush();
        foreach (var handover in handovers) _output.Handover(handover);
    }

    private int ReadElements()
    {
        if (_spans && _output.CanSendSpan) return ReadSpan();

        // The output's buffer is read into directly; it can change after each flush (a channel edge may keep it).
        var buffer = _output.Reserve(1);
        int start = buffer.Count, n;
        try
        {
            var timestamps = buffer.Timestamps.AsSpan(start, buffer.Free);
            if (_origins)
            {
                var origins = buffer.TrackOrigins().AsSpan(start, buffer.Free);
                n = Reader.TryRead(buffer.Values.AsSpan(start, buffer.Free), timestamps, origins);
                if (_originSalt != 0) Salt(origins[..n]);
                if (_timestamps) ToEventTime(timestamps[..n]);
                else timestamps[..n].Fill(Time.EventTime.MinWatermark);
            }
            else if (_timestamps)
            {
                n = Reader.TryRead(buffer.Values.AsSpan(start, buffer.Free), timestamps);
                ToEventTime(timestamps[..n]);
            }
            else
            {
                n = Reader.TryRead(buffer.Values.AsSpan(start, buffer.Free));
                timestamps[..n].Fill(Time.EventTime.MinWatermark);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }

        buffer.Count += n;
        if (n > 0)
        {
            context.Run.Counters.AddRead(n);
            ElementsRead += n;
            _telemetry.ElementsIn(n);
        }
        bool declared;
        DateTimeOffset watermark;
        try
        {
            declared = Reader.TryTakeWatermark(out watermark);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }

        if (declared && context.Run.Policy.WatermarksDuringRun) _output.Watermark(Time.EventTime.FromDateTimeOffset(watermark));

        return n;
    }

    /// <summary>Mixes the origins' partitions with <see cref="_originSalt"/>, in place.</summary>
    private void Salt(Span<ElementOrigin> origins)
    {
        for (int i = 0; i < origins.Length; i++) origins[i] = origins[i].Salted(_originSalt);
    }

    /// <summary>Turns the <see cref="DateTimeOffset.UtcTicks"/> a reader wrote into event time (ticks since the Unix epoch), in place.</summary>
    private static void ToEventTime(Span<long> ticks)
    {
        long epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        for (int i = 0; i < ticks.Length; i++) ticks[i] -= epoch;
    }

    /// <summary>Reads a batch as a view of the source's storage and hands it to the first operator, which reads it in place.</summary>
    private int ReadSpan()
    {
        ReadOnlySpan<T> span;
        try
        {
            span = Reader.ReadSpan(context.BatchSize);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }

        int n = span.Length;
        if (n == 0) return 0;
        context.Run.Counters.AddRead(n);
        ElementsRead += n;
        _telemetry.ElementsIn(n);
        _handedOver = true;
        _output.SendSpan(span, NoTimestamps.Get(n));
        return n;
    }

    public override void Flush()
    {
        _handedOver = false;
        _output.Flush();
    }

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }
    }

    public override void Watermark(long watermark) => _output.Watermark(watermark);

    public override void Idle() => _output.Idle();

    public override void ProcessingTime(long utcTicks)
    {
        if (_sourceContext is { HasHandovers: true }) SendHandovers();
        _output.ProcessingTime(utcTicks);
    }

    public override void End() => _output.End();

    public override async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        if (_reader is null) return;
        try
        {
            await _reader.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failed(ex);
        }
    }

    public override bool CommitsDuringRun => _reader?.CommitsPositions ?? false;

    public override bool MayPassBarrier => _reader?.PositionResumable ?? true;

    public override void Barrier(long checkpoint, Action<object?> positionTaken)
    {
        _output.Flush();
        if (_sourceContext is { HasHandovers: true }) SendHandovers();
        positionTaken(CapturePosition(checkpoint));
        _output.Barrier(checkpoint);
    }

    protected override object? CapturePosition(long? checkpoint)
    {
        try
        {
            return _reader is { } reader && (reader.CommitsPositions || (PositionJson is not null && reader.HasPositions)) ? reader.CapturePositionObject(checkpoint) : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failed(ex);
        }
    }

    public override System.Text.Json.JsonElement PositionToJson(object position) =>
        node.Source.PositionToJson(position, PositionJson ?? Checkpoints.Serialization.JsonStateOptions.Default);

    public override async ValueTask CommitAsync(object position, CancellationToken cancellationToken)
    {
        if (_reader is not { CommitsPositions: true } reader) return;
        try
        {
            await reader.CommitPositionObjectAsync(position, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failed(ex);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_reader is null) return;
        try
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsBadRecordFailure(ex))
        {
            throw Failed(ex);
        }
        finally
        {
            _reader = null;
        }
    }

    /// <summary>The name bad records are reported under (<see cref="SourceContext.ReportBadRecord"/>).</summary>
    private string OperatorName => $"{node.Name} ({Name})";

    /// <summary>A bad record failed the run under <see cref="ErrorPolicy.Fail"/>: its error already names the source and the record.</summary>
    private bool IsBadRecordFailure(Exception ex) => ex is PipelineExecutionException { Operator: { } op } && op == OperatorName;

    private PipelineExecutionException Failed(Exception ex) => PipelineExecutionException.ForComponent("Source", Name, ex);
}
