using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Groups elements into lists of <paramref name="count"/>, in arrival order; with <paramref name="maxWait"/>, a
/// list that is not full is also emitted once its first element has waited that long in processing time (the
/// run's <see cref="TimeProvider"/>, checked on processing-time ticks, which only the streaming executor sends).
/// What is left is emitted when the watermark reaches +∞ (the end of input). A list's event time is the latest of
/// its elements'; while elements are held the watermark passed on stays below the earliest of them.
/// </summary>
/// <remarks>
/// A checkpoint barrier never lets an element that came after it out ahead of it. With checkpoint storage the
/// elements held at the barrier are written with the checkpoint and the barrier passes at once (a restored run
/// goes on filling the same list, so its lists equal an uninterrupted run's); without storage the list held at the
/// barrier is emitted there, short, and the barrier follows it, so a checkpoint never waits for a list to fill.
/// </remarks>
internal sealed class Buffer<T>(int count, TimeSpan? maxWait, TimeProvider clock, Output<IReadOnlyList<T>> output) : StageOperator, ICheckpointedStage
{
    private readonly HeldElements<T> _checkpoints = new();
    private List<T> _held = new(Math.Min(count, 1024));
    private long _latest = EventTime.MinWatermark;
    private long _earliest = EventTime.MaxWatermark;
    private long _firstArrival;
    private long _inputWatermark = EventTime.MinWatermark;
    private long _sentWatermark = EventTime.MinWatermark;

    /// <summary>The input is idle (no element or watermark since it said so): passed on only while nothing is held.</summary>
    private bool _inputIdle;

    public override TimeSpan? ProcessingTimeInterval =>
        maxWait is { } wait ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, wait.Ticks / 4)) : null;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        if (b.Count > 0) _inputIdle = false;
        for (int i = 0; i < b.Count; i++)
        {
            if (_held.Count == 0) _firstArrival = clock.GetUtcNow().UtcTicks;
            _held.Add(b.Values[i]);
            long t = b.Timestamps[i];
            if (t > _latest) _latest = t;
            if (t < _earliest) _earliest = t;
            if (_held.Count >= count) Emit();
        }

        output.Flush();
        SendWatermark();
    }

    public override void OnWatermark(long watermark)
    {
        _inputWatermark = watermark;
        _inputIdle = false;
        if (watermark == EventTime.MaxWatermark && _held.Count > 0) Emit();
        SendWatermark();
    }

    /// <summary>
    /// An idle input is passed on only while no element is held: downstream stages leave an idle input out of their
    /// watermark, so they could move past the held elements, which would then arrive late. The idleness goes on
    /// once the held list is out (<see cref="PassIdleness"/>).
    /// </summary>
    public override void OnIdle()
    {
        _inputIdle = true;
        if (_held.Count == 0) output.Idle();
    }

    public override void OnProcessingTime(long utcTicks)
    {
        if (_held.Count > 0 && maxWait is { } wait && utcTicks - _firstArrival >= wait.Ticks)
        {
            Emit();
            SendWatermark();
            PassIdleness();
        }

        output.ProcessingTime(utcTicks);
    }

    public override void OnEnd()
    {
        if (_held.Count > 0) Emit();
        output.End();
    }

    /// <summary>With storage: the held list goes into the checkpoint. Without: it is emitted now, short, ahead of the barrier.</summary>
    protected override bool SnapshotAtBarrier(long checkpoint)
    {
        if (_checkpoints.Snapshot(checkpoint, Write)) return true;
        if (_held.Count > 0)
        {
            Emit();
            SendWatermark();
            PassIdleness();
        }

        return true;
    }

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

    /// <inheritdoc />
    public void EnableCheckpoints(StateSerializerRegistry serializers, string operatorId, int maxParallelism, int worker, int parallelism, ISnapshotReceiver receiver, Checkpoints.Storage.PartitionedStateBinding? partitioned = null) =>
        _checkpoints.Enable(serializers, operatorId, worker, receiver);

    /// <inheritdoc />
    public void Restore(IReadOnlyList<ReadOnlyMemory<byte>> snapshots) => _checkpoints.Restore(snapshots, Read);

    /// <summary>The held list: <c>i64:latest i64:earliest i64:firstArrival i32:n { value }</c>.</summary>
    private void Write(SnapshotOutput snapshot, StateCodec<T> codec)
    {
        snapshot.WriteInt64(_latest);
        snapshot.WriteInt64(_earliest);
        snapshot.WriteInt64(_firstArrival);
        snapshot.WriteInt32(_held.Count);
        foreach (var value in _held) snapshot.WriteValue(codec, value);
    }

    private void Read(SnapshotInput snapshot, StateCodec<T> codec)
    {
        long latest = snapshot.ReadInt64(), earliest = snapshot.ReadInt64(), firstArrival = snapshot.ReadInt64();
        int n = snapshot.ReadCount(4);
        if (n == 0) return;
        if (_held.Count == 0) _firstArrival = firstArrival;
        for (int i = 0; i < n; i++) _held.Add(snapshot.ReadValue(codec));
        _latest = Math.Max(_latest, latest);
        _earliest = Math.Min(_earliest, earliest);
    }

    private void Emit()
    {
        output.Emit(_held, _latest);
        _held = new List<T>(Math.Min(count, 1024));
        _latest = EventTime.MinWatermark;
        _earliest = EventTime.MaxWatermark;
        output.Flush();
    }

    /// <summary>The held list went out while the input is idle: downstream may now leave this input out of its watermark.</summary>
    private void PassIdleness()
    {
        if (_inputIdle) output.Idle();
    }

    /// <summary>Passes the input watermark on, but below the earliest element held, and never backwards.</summary>
    private void SendWatermark()
    {
        long watermark = _inputWatermark;
        if (_held.Count > 0 && _earliest != EventTime.MinWatermark && _earliest - 1 < watermark) watermark = _earliest - 1;
        if (_held.Count > 0 && _earliest == EventTime.MinWatermark) watermark = EventTime.MinWatermark;
        if (watermark <= _sentWatermark) return;
        _sentWatermark = watermark;
        output.Watermark(watermark);
    }
}
