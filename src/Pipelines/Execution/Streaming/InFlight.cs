namespace Pipelines.Execution.Streaming;

/// <summary>
/// What a streaming run has in flight: messages written to the stages' channels and not yet handled, and handled
/// ones whose output a worker still holds in partial batches. A message counts from its write (or its queueing
/// behind a full channel) until the worker that reads it has settled it — its output written on, or sent to the
/// sinks chained into the worker — so what a stage emits for a message is counted before the message stops
/// counting, and nothing is in flight only when every stage has processed everything handed to it, down to the
/// sinks. <see cref="SourceContext.WhenDownstreamIdleAsync"/> waits for that (a scripted source moves its test clock
/// only then).
/// </summary>
internal sealed class InFlight
{
    private readonly Lock _lock = new();
    private long _count;
    private TaskCompletionSource? _idle;

    /// <summary>Messages in flight now.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>A message was written (or queued) to a stage's channel.</summary>
    public void Add() => Interlocked.Increment(ref _count);

    /// <summary><paramref name="messages"/> messages were handled and settled; waiters wake when none is left.</summary>
    public void Done(long messages = 1)
    {
        if (messages == 0 || Interlocked.Add(ref _count, -messages) != 0) return;
        TaskCompletionSource? idle;
        lock (_lock)
        {
            if (Volatile.Read(ref _count) != 0) return;
            idle = _idle;
            _idle = null;
        }

        idle?.TrySetResult();
    }

    /// <summary>Completes once nothing is in flight.</summary>
    public async ValueTask WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (Volatile.Read(ref _count) == 0) return;
                wait = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
