using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// Whether a streaming run has work in flight, per stage worker (<see cref="Counter"/>): the messages written to the
/// worker's channel and not yet settled by it — handled, and its output written on, or sent once the worker's edges
/// no longer hold it in partial batches. A worker with such messages is busy unless it is stuck on the clock: its
/// operator waits for the run's clock to move (a throttle's delay, a retry's back-off: <see cref="ClockWaits"/>), or it
/// waits for room in the channel of a worker that is stuck so. The run is idle when no worker is busy — every stage has
/// processed everything handed to it, down to the sinks, or waits for the clock — and
/// <see cref="SourceContext.WhenDownstreamIdleAsync"/> waits for that (a scripted source moves its test clock only then).
/// </summary>
/// <remarks>
/// A message counts from its write into the channel (<see cref="CountedWriter"/>) until the worker that reads it has
/// settled it, so what a stage emits for a message is counted before the message stops counting. Counting a message
/// is one interlocked add on the worker's counter, no lock, so producers and workers do not queue on one another for
/// every batch; the workers are looked at, under a lock, only while someone waits for idleness, and clock waits and
/// waits for room change under it.
/// </remarks>
internal sealed class InFlight
{
    private readonly Lock _lock = new();
    private readonly List<Counter> _counters = [];
    private TaskCompletionSource? _idle;

    /// <summary>The counter of a new worker.</summary>
    public Counter NewCounter()
    {
        var counter = new Counter(this);
        lock (_lock) _counters.Add(counter);
        return counter;
    }

    /// <summary>Completes once no worker is busy.</summary>
    public async ValueTask WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                var idle = _idle ?? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

                // Published before the workers are looked at: a settling that read no waiter happened before this
                // look, which then sees it (Done counts down, then reads the waiter; both sides fence).
                Interlocked.Exchange(ref _idle, idle);
                if (IsIdle())
                {
                    // Wakes another waiter already on it too (its continuation runs asynchronously).
                    _idle = null;
                    idle.TrySetResult();
                    return;
                }

                wait = idle.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A worker settled messages: when someone waits, looks whether the run is idle now.</summary>
    private void Settled()
    {
        if (Volatile.Read(ref _idle) is null) return;
        TaskCompletionSource? wake;
        lock (_lock) wake = Changed();
        wake?.TrySetResult();
    }

    private bool IsIdle()
    {
        foreach (var counter in _counters)
        {
            if (counter.Busy) return false;
        }

        return true;
    }

    /// <summary>After a change that may have made the run idle (under the lock): the waiters to wake, if it did.</summary>
    private TaskCompletionSource? Changed()
    {
        if (_idle is null || !IsIdle()) return null;
        var idle = _idle;
        _idle = null;
        return idle;
    }

    /// <summary>The messages of one worker in flight, its waits for the clock, and the worker whose channel it waits for room in.</summary>
    internal sealed class Counter(InFlight owner) : IClockWaitScope
    {
        private long _pending;
        private int _clockWaits;
        private Counter? _waitingOn;
        private bool _closed;

        /// <summary>Runs before the worker's operator waits for the clock: sends what the worker's edges hold (set by the worker).</summary>
        public Func<CancellationToken, ValueTask>? BeforeClockWait { get; set; }

        /// <summary>Has work that can go on without the clock moving (under the lock).</summary>
        internal bool Busy => !_closed && Volatile.Read(ref _pending) > 0 && !Stuck(0);

        /// <summary>Waits for the clock, or for room behind a worker that does (under the lock; a chain of waits is bounded, a cycle cannot be stuck for ever).</summary>
        private bool Stuck(int depth) =>
            _clockWaits > 0 || (_waitingOn is { } next && depth < 64 && !next._closed && Volatile.Read(ref next._pending) > 0 && next.Stuck(depth + 1));

        /// <summary>A message is being written to the worker's channel (counted before the write, so the worker cannot settle it first).</summary>
        public void Add() => Interlocked.Increment(ref _pending);

        /// <summary><paramref name="messages"/> messages were settled (or a counted write did not happen).</summary>
        public void Done(long messages)
        {
            if (messages == 0) return;
            Interlocked.Add(ref _pending, -messages);
            owner.Settled();
        }

        public ValueTask BeforeWaitAsync(CancellationToken cancellationToken) => BeforeClockWait?.Invoke(cancellationToken) ?? default;

        public void Park()
        {
            TaskCompletionSource? wake;
            lock (owner._lock)
            {
                if (_closed) return;
                _clockWaits++;
                wake = owner.Changed();
            }

            wake?.TrySetResult();
        }

        public void Unpark()
        {
            lock (owner._lock)
            {
                if (!_closed) _clockWaits--;
            }
        }

        /// <summary>The worker waits for room in <paramref name="consumer"/>'s channel (null: no longer).</summary>
        public void WaitOn(Counter? consumer)
        {
            TaskCompletionSource? wake;
            lock (owner._lock)
            {
                if (_closed) return;
                _waitingOn = consumer;
                wake = consumer is null ? null : owner.Changed();
            }

            wake?.TrySetResult();
        }

        /// <summary>The worker stopped: whatever it had counted, or is counted for it later (a tick of a timer being stopped), no longer counts.</summary>
        public void Close()
        {
            TaskCompletionSource? wake;
            lock (owner._lock)
            {
                if (_closed) return;
                _closed = true;
                wake = owner.Changed();
            }

            wake?.TrySetResult();
        }
    }
}
