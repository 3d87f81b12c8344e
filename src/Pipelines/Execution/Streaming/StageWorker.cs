using System.Diagnostics;
using System.Threading.Channels;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// One worker of a stage under the streaming executor: a bounded channel in, the stage instance, and the
/// writes its output chain could not place yet. Its loop reads a message, runs the operator synchronously,
/// then waits for its own output to fit downstream before reading the next.
/// </summary>
internal sealed class StageWorker
{
    private readonly TimeProvider _timeProvider;
    private int _tickMissed;
    private ITimer? _timer;

    /// <summary>Per producer, its messages that wait for a barrier to align (<see cref="StageInstance.Holds"/>), in order.</summary>
    private Queue<StageMessage>[]? _held;
    private int _heldCount;

    /// <summary>A barrier aligned or an input ended while messages were held: release them once the operator has drained (a sink pre-commits there).</summary>
    private bool _releaseDue;

    private readonly InputGates? _gates;
    private readonly int _maxHeld;

    /// <summary>This worker's count of messages in flight (null: not counted).</summary>
    private readonly InFlight.Counter? _inFlight;

    /// <summary>Messages handled whose output the edges still hold in partial batches: they stop counting as in flight once it is sent.</summary>
    private long _owed;

    /// <param name="instance">The stage instance this worker drives.</param>
    /// <param name="channel">Its input channel (<see cref="StageChannels"/>).</param>
    /// <param name="pending">The writes of its output chain that did not fit; its edges were created with it.</param>
    /// <param name="timeProvider">The run's clock, for processing-time ticks.</param>
    /// <param name="gates">
    /// The gates of its inputs when it aligns barriers (<see cref="StageInstance.BlocksForAlignment"/>): an input that
    /// passed a barrier the others have not is closed once <paramref name="maxHeld"/> of its messages are held.
    /// </param>
    /// <param name="maxHeld">Messages of one input held for alignment before its gate closes (<see cref="StreamingOptions.MaxAlignmentBuffer"/>).</param>
    /// <param name="inFlight">This worker's count of messages in flight: each message read stops counting once it is settled (null: not counted).</param>
    public StageWorker(StageInstance instance, Channel<StageMessage> channel, PendingWrites pending, TimeProvider timeProvider, InputGates? gates = null, int maxHeld = 0, InFlight.Counter? inFlight = null)
    {
        _inFlight = inFlight;
        Instance = instance;
        Channel = channel;
        Pending = pending;
        _timeProvider = timeProvider;
        _gates = gates;
        _maxHeld = maxHeld;
    }

    /// <summary>The most messages held for alignment at once during the run (all inputs together).</summary>
    public int MaxHeld { get; private set; }

    public StageInstance Instance { get; }

    public Channel<StageMessage> Channel { get; }

    public PendingWrites Pending { get; }

    /// <summary>
    /// Starts the processing-time ticks the operator asked for. Called when the worker is created, before any task
    /// runs, so no tick is missed however the tasks are scheduled (scripted clocks advance from the first read).
    /// </summary>
    public void StartTimer()
    {
        if (Instance.Operator.ProcessingTimeInterval is { } interval) _timer = _timeProvider.CreateTimer(_ => Tick(), null, interval, interval);
    }

    public void StopTimer() => _timer?.Dispose();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var op = Instance.Operator;
        var reader = Channel.Reader;

        // The operator's waits for the run's clock (a throttle's delay) park this worker while they last, once what
        // its edges hold has gone out.
        if (_inFlight is not null) _inFlight.BeforeClockWait = SendHeldAsync;
        ClockWaits.Current = _inFlight;
        try
        {
            while (!Instance.Ended)
            {
                if (!reader.TryRead(out var message))
                {
                    if (Pending.HasHeld)
                    {
                        // Nothing to read now: what the output edges hold goes out before the wait.
                        await SendHeldAsync(cancellationToken).ConfigureAwait(false);
                        SettleOwed();
                        continue;
                    }

                    using (Instance.Telemetry.Clock.Idle()) if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) break;
                    continue;
                }

                Dispatch(message);
                if (Volatile.Read(ref _tickMissed) != 0)
                {
                    Volatile.Write(ref _tickMissed, 0);
                    Dispatch(StageMessage.ForTick(_timeProvider.GetUtcNow().UtcTicks));
                }

                await SettleAsync(op, cancellationToken).ConfigureAwait(false);
                while (_releaseDue)
                {
                    _releaseDue = false;
                    Release();
                    await SettleAsync(op, cancellationToken).ConfigureAwait(false);
                }

                // Settled; a message held for alignment counts as settled too (it waits for a barrier, not for this).
                _owed++;
                if (!Pending.HasHeld) SettleOwed();
            }
        }
        finally
        {
            for (int i = 0; _gates is not null && i < Instance.Merger.Inputs; i++) _gates.Open(i);
            StopTimer();
            Instance.Telemetry.Clock.Stop();
            Pending.Discard();
            foreach (var queue in _held ?? [])
            {
                while (queue.TryDequeue(out var held)) BatchPool.Return(held.Batch);
            }

            while (reader.TryRead(out var left)) BatchPool.Return(left.Batch);

            // Nothing this worker was handed, or is handed from now on (a tick of the timer being stopped), is in flight.
            _inFlight?.Close();
        }
    }

    /// <summary>Sends what the output edges hold and waits for it to be written: before the worker waits for input, and before its operator waits for the clock.</summary>
    private async ValueTask SendHeldAsync(CancellationToken cancellationToken)
    {
        Pending.SendHeld();
        if (Pending.HasPending) await Pending.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The messages handled so far are settled, their output sent on: they stop counting as in flight.</summary>
    private void SettleOwed()
    {
        _inFlight?.Done(_owed);
        _owed = 0;
    }

    /// <summary>
    /// Waits for the output to fit downstream, lets the operator finish its asynchronous work, then waits again for
    /// what that work emitted (results of asynchronous calls) to be sent, and for the sinks chained into this task to
    /// write it, before the next message is read.
    /// </summary>
    private async ValueTask SettleAsync(Operators.StageOperator op, CancellationToken cancellationToken)
    {
        if (Pending.HasPending) await Pending.FlushAsync(cancellationToken).ConfigureAwait(false);
        await op.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (Pending.HasPending) await Pending.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A processing-time tick; when the channel is full it is remembered and handled after the next message.</summary>
    private void Tick()
    {
        // Counted before the write, so the worker cannot settle it first and see the count pass zero early.
        _inFlight?.Add();
        if (Channel.Writer.TryWrite(StageMessage.ForTick(_timeProvider.GetUtcNow().UtcTicks))) return;
        _inFlight?.Done(1);
        Volatile.Write(ref _tickMissed, 1);
    }

    private void Dispatch(in StageMessage message)
    {
        if (message.Kind != MessageKind.Tick && (Instance.Holds(message.Producer) || (_held is { } held && held[message.Producer].Count > 0)))
        {
            (_held ??= [.. Enumerable.Range(0, Instance.Merger.Inputs).Select(_ => new Queue<StageMessage>())])[message.Producer].Enqueue(message);
            _heldCount++;
            if (_heldCount > MaxHeld) MaxHeld = _heldCount;
            if (_gates is not null) UpdateGate(message.Producer);
            return;
        }

        DispatchNow(message);
        if (_heldCount > 0 && message.Kind is MessageKind.Barrier or MessageKind.End or MessageKind.Handover) _releaseDue = true;
    }

    /// <summary>
    /// Closes the gate of <paramref name="input"/> while it passed a barrier the others have not and holds
    /// <see cref="_maxHeld"/> messages or more; opens it otherwise.
    /// </summary>
    private void UpdateGate(int input)
    {
        if (Instance.Holds(input) && (_held?[input].Count ?? 0) >= _maxHeld) _gates!.Close(input);
        else _gates!.Open(input);
    }

    /// <summary>A barrier or an end went through: alignment may have begun or ended for any input.</summary>
    private void UpdateGates()
    {
        for (int i = 0; i < Instance.Merger.Inputs; i++) UpdateGate(i);
    }

    /// <summary>
    /// A barrier aligned (or an input ended): each producer's held messages go through in order, until it must wait
    /// again. Stops after a barrier or an end goes through, so the operator drains (a sink pre-commits what came
    /// before the barrier) before anything after it; <see cref="_releaseDue"/> then says to go on.
    /// </summary>
    private void Release()
    {
        bool progress = true;
        while (progress && _heldCount > 0)
        {
            progress = false;
            foreach (var queue in _held!)
            {
                while (queue.Count > 0 && !Instance.Holds(queue.Peek().Producer))
                {
                    var message = queue.Dequeue();
                    _heldCount--;
                    DispatchNow(message);
                    progress = true;
                    if (message.Kind is MessageKind.Barrier or MessageKind.End or MessageKind.Handover)
                    {
                        _releaseDue = _heldCount > 0;
                        return;
                    }
                }
            }
        }
    }

    private void DispatchNow(in StageMessage message)
    {
        switch (message.Kind)
        {
            case MessageKind.Batch:
                long started = Stopwatch.GetTimestamp();
                try
                {
                    Instance.OnBatch(message.Port, message.Producer, message.Batch!);
                }
                finally
                {
                    BatchPool.Return(message.Batch);
                }

                Instance.Telemetry.BatchDuration(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                break;
            case MessageKind.Watermark:
                Instance.OnWatermark(message.Producer, message.Watermark);
                break;
            case MessageKind.Idle:
                Instance.OnIdle(message.Producer);
                break;
            case MessageKind.End:
                Instance.OnEnd(message.Producer);
                if (_gates is not null) UpdateGates();
                break;
            case MessageKind.Barrier:
                Instance.OnBarrier(message.Producer, message.Watermark);
                if (_gates is not null) UpdateGates();
                break;
            case MessageKind.Handover:
                Instance.OnHandover(message.Producer, (Exchanges.PartitionHandover)message.Batch!);
                if (_gates is not null) UpdateGates();
                break;
            case MessageKind.Tick:
                Instance.Operator.OnProcessingTime(message.Watermark);
                break;
        }
    }
}
