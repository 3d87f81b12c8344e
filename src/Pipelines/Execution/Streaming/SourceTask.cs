using Pipelines.Time;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// Drives one source under the streaming executor: reads what is available into batches, sends a partial batch
/// (and the watermark) as soon as the source would wait (or after <see cref="StreamingOptions.Linger"/>),
/// emits the watermark at least every <see cref="StreamingOptions.WatermarkInterval"/> while busy, declares the
/// source idle after <see cref="StreamingOptions.IdleTimeout"/> without elements, and at the end sends +∞ and
/// end-of-stream so every window downstream flushes. When a checkpoint is requested it sends the barrier behind
/// what it has read and reports the reader's position to the <see cref="CheckpointCoordinator"/>.
/// </summary>
/// <param name="runner">The source's runner.</param>
/// <param name="index">The source's index in the plan (<see cref="Plan.SourceVertex.SourceIndex"/>), by which the coordinator knows it.</param>
/// <param name="pending">The writes of the source's chain that did not fit; its edges were created with it.</param>
/// <param name="options">Linger, watermark interval, idleness.</param>
/// <param name="checkpoints">The run's checkpoints.</param>
/// <param name="clock">Measures the task's busy, idle and backpressured time.</param>
internal sealed class SourceTask(SourceRunner runner, int index, PendingWrites pending, StreamingOptions options, CheckpointCoordinator checkpoints, Diagnostics.TaskClock clock)
{
    private readonly int _index = index;
    private long _lastBarrier = checkpoints.Requested;

    private static readonly TimeSpan PeriodicWake = TimeSpan.FromMilliseconds(100);
    private readonly TimeProvider _time = options.TimeProvider;

    public SourceRunner Runner => runner;

    /// <param name="runToken">Cancels the run.</param>
    /// <param name="stopToken">Stops reading and drains: what was read still flows to the sinks.</param>
    public async Task RunAsync(CancellationToken runToken, CancellationToken stopToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runToken, stopToken);
        var readToken = linked.Token;
        bool opened = false;
        try
        {
            await runner.OpenAsync(readToken).ConfigureAwait(false);
            opened = true;
            checkpoints.SourceOpened(_index, runner);
            await PumpAsync(runToken, stopToken, readToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested && !runToken.IsCancellationRequested)
        {
            // Drain requested while the source was opening or waiting: end normally below.
        }

        runner.Flush();
        runner.Watermark(EventTime.MaxWatermark);
        if (checkpoints.TakesFinalCheckpoint) await FinishAsync(opened, runToken).ConfigureAwait(false);
        runner.End();
        await pending.FlushAsync(runToken).ConfigureAwait(false);
        clock.Stop();
    }

    /// <summary>
    /// The source has read all it will and sent +∞: it reports its position (where a restart resumes) and goes on
    /// passing the barriers of checkpoints taken until every source has finished; it ends (the caller sends the end)
    /// when the final checkpoint is requested — its end then stands for that checkpoint's barrier — or when the run
    /// takes none.
    /// </summary>
    private async Task FinishAsync(bool opened, CancellationToken runToken)
    {
        if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
        checkpoints.SourceFinished(_index, runner, opened ? runner.CapturePosition() : null, opened);
        while (true)
        {
            var request = checkpoints.NextRequest;
            long checkpoint = checkpoints.Requested;
            if (checkpoints.MayEnd(checkpoint)) return;
            if (checkpoint > _lastBarrier)
            {
                _lastBarrier = checkpoint;
                PassBarrier(checkpoint);
                if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
                continue;
            }

            using (clock.Idle()) await request.WaitAsync(runToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the barrier of <paramref name="checkpoint"/> behind what was read, the reader's position recorded first.</summary>
    private void PassBarrier(long checkpoint) => runner.Barrier(checkpoint, position => checkpoints.SourcePassed(_index, checkpoint, position));

    private async Task PumpAsync(CancellationToken runToken, CancellationToken stopToken, CancellationToken readToken)
    {
        long linger = options.Linger.Ticks, interval = options.WatermarkInterval.Ticks;
        long idleAfter = options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : options.IdleTimeout.Ticks;
        long now = Now(), lastTick = now, lastData = now, batchStarted = now;
        bool idle = false;
        Task<bool>? wait = null;
        try
        {
            while (!stopToken.IsCancellationRequested)
            {
                runToken.ThrowIfCancellationRequested();
                var request = checkpoints.NextRequest;
                long checkpoint = checkpoints.Requested;

                // A reader at a position no restart can continue from (an initial snapshot) holds the barrier back.
                if (checkpoint > _lastBarrier && runner.MayPassBarrier)
                {
                    _lastBarrier = checkpoint;
                    PassBarrier(checkpoint);
                    if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
                    if (checkpoints.IsSavepoint(checkpoint))
                    {
                        // Nothing is read after a savepoint's barrier: the run stops once the savepoint is stored.
                        using (clock.Idle()) await Task.Delay(Timeout.Infinite, readToken).ConfigureAwait(false);
                    }
                }

                int buffered = runner.Buffered;
                int n = wait is null ? runner.Read() : 0;
                now = Now();
                if (n > 0)
                {
                    idle = false;
                    lastData = now;
                    if (buffered == 0) batchStarted = now;
                    if (runner.BufferFull) runner.Flush();
                    if (now - lastTick >= interval)
                    {
                        runner.Flush();
                        runner.ProcessingTime(now);
                        pending.SendHeld();
                        lastTick = now;
                    }

                    if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
                    continue;
                }

                long timeout;
                if (runner.Buffered > 0 && linger > 0 && now - batchStarted < linger)
                {
                    timeout = linger - (now - batchStarted);
                }
                else
                {
                    runner.Flush();
                    runner.ProcessingTime(now);
                    pending.SendHeld();
                    lastTick = now;
                    if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
                    timeout = idle || idleAfter == long.MaxValue ? PeriodicWake.Ticks : Math.Max(0, idleAfter - (now - lastData));
                    timeout = Math.Min(timeout, PeriodicWake.Ticks);
                }

                wait ??= runner.WaitToReadAsync(readToken).AsTask();
                if (!wait.IsCompleted && timeout > 0)
                {
                    using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(readToken);
                    var delay = Task.Delay(TimeSpan.FromTicks(timeout), _time, delayCancel.Token);
                    using (clock.Idle()) await Task.WhenAny(wait, delay, request).ConfigureAwait(false);
                    delayCancel.Cancel();
                }

                if (wait.IsCompleted)
                {
                    bool more = await wait.ConfigureAwait(false);
                    wait = null;
                    if (!more) return;
                    continue;
                }

                now = Now();
                if (!idle && now - lastData >= idleAfter)
                {
                    runner.Flush();
                    runner.Idle();
                    idle = true;
                    if (pending.HasPending) await pending.FlushAsync(runToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await SettleAsync(wait).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A wait still running when the loop stops (drain, cancellation, failure) is let finish before the reader is
    /// committed or disposed, so the reader is never used from two places at once, and its failure is observed.
    /// Its token is already cancelled; the bound only protects a stop from readers that ignore cancellation.
    /// </summary>
    private static async Task SettleAsync(Task<bool>? wait)
    {
        if (wait is null) return;
        _ = wait.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await wait.WaitAsync(TimeSpan.FromSeconds(1), TimeProvider.System).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled, failed after the stop, or still running past the bound: the run is ending either way.
        }
    }

    private long Now() => _time.GetUtcNow().UtcTicks;
}
