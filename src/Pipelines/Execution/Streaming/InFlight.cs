using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// Whether a streaming run has work in flight, per stage worker (<see cref="Counter"/>): the messages written to the
/// worker's channel and not yet settled by it — handled, and its output written on, or sent once the worker's
/// edges no longer hold it in partial batches. A worker is active while it has such messages, unless it is parked:
/// its operator waits for the run's clock to move (a throttle's delay, a retry's back-off: <see cref="ClockWaits"/>),
/// which nothing but the clock can end. The run is idle when no worker is active — every stage has processed
/// everything handed to it, down to the sinks, or waits for the clock — and
/// <see cref="SourceContext.WhenDownstreamIdleAsync"/> waits for that (a scripted source moves its test clock only then).
/// </summary>
/// <remarks>
/// A message counts from its write into the channel (<see cref="CountedWriter"/>) until the worker that reads it has
/// settled it, so what a stage emits for a message is counted before the message stops counting. One lock guards the
/// counters: a message is a batch of elements, so it is taken once per batch, watermark or tick.
/// </remarks>
internal sealed class InFlight
{
    private readonly Lock _lock = new();
    private int _active;
    private TaskCompletionSource? _idle;

    /// <summary>The counter of a new worker.</summary>
    public Counter NewCounter() => new(this);

    /// <summary>Completes once no worker is active.</summary>
    public async ValueTask WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_active == 0) return;
                wait = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One worker less is active; returns the waiters to wake when none is left (called under the lock).</summary>
    private TaskCompletionSource? Deactivate()
    {
        if (--_active != 0) return null;
        var idle = _idle;
        _idle = null;
        return idle;
    }

    /// <summary>The messages of one worker in flight, and whether it is parked on the clock.</summary>
    internal sealed class Counter(InFlight owner) : IClockWaitScope
    {
        private long _pending;
        private bool _parked;
        private bool _closed;

        /// <summary>A message is being written to the worker's channel (counted before the write, so the worker cannot settle it first).</summary>
        public void Add()
        {
            lock (owner._lock)
            {
                if (_closed) return;
                if (_pending++ == 0 && !_parked) owner._active++;
            }
        }

        /// <summary><paramref name="messages"/> messages were settled (or a counted write did not happen).</summary>
        public void Done(long messages)
        {
            if (messages == 0) return;
            TaskCompletionSource? wake = null;
            lock (owner._lock)
            {
                if (_closed) return;
                _pending -= messages;
                if (_pending == 0 && !_parked) wake = owner.Deactivate();
            }

            wake?.TrySetResult();
        }

        /// <summary>The worker's operator waits for the clock: the worker is not active until <see cref="Unpark"/>.</summary>
        public void Park()
        {
            TaskCompletionSource? wake = null;
            lock (owner._lock)
            {
                if (_closed || _parked) return;
                _parked = true;
                if (_pending > 0) wake = owner.Deactivate();
            }

            wake?.TrySetResult();
        }

        /// <summary>The clock moved and the operator goes on.</summary>
        public void Unpark()
        {
            lock (owner._lock)
            {
                if (_closed || !_parked) return;
                _parked = false;
                if (_pending > 0) owner._active++;
            }
        }

        /// <summary>The worker stopped: whatever it had counted, or is counted for it later (a tick of a timer being stopped), no longer counts.</summary>
        public void Close()
        {
            TaskCompletionSource? wake = null;
            lock (owner._lock)
            {
                if (_closed) return;
                _closed = true;
                if (_pending > 0 && !_parked) wake = owner.Deactivate();
                _pending = 0;
            }

            wake?.TrySetResult();
        }
    }
}
