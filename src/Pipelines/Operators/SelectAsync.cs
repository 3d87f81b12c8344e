using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Maps each element with an asynchronous function, at most <c>MaxConcurrency</c> calls at a time,
/// results in input order with the element's event time. The synchronous calls only queue elements; the executor
/// awaits <see cref="DrainAsync"/>, which runs the queued calls and emits their results. A watermark, idle mark,
/// processing-time tick, barrier or the end that arrives while elements are queued is held and passed on by
/// <see cref="DrainAsync"/> right after the results of the elements before it, so nothing overtakes a result
/// whichever way the executor drains: the streaming one drains after every message (nothing is queued when a
/// control signal comes), the bounded one after each source read and once more after the end of input, when a
/// stage upstream may have emitted its last results and +∞ and the end in the same call.
/// </summary>
/// <remarks>
/// Unordered (<see cref="SelectAsyncOptions.Ordered"/> false), the results between two held signals come as their
/// calls complete; a signal still waits for every call before it, and the calls after it start once it has passed.
/// A timeout and retries wrap each call (<see cref="CallAsync"/>); only the last failure reaches the error policy.
/// </remarks>
internal sealed class SelectAsync<TIn, TOut>(
    Func<TIn, CancellationToken, Task<TOut>> selector,
    SelectAsyncOptions options,
    TimeProvider clock,
    Output<TOut> output,
    OperatorContext context) : StageOperator
{
    private readonly int _maxConcurrency = options.MaxConcurrency;
    private readonly bool _plain = options.Timeout is null && options.MaxRetries == 0;
    private readonly List<TIn> _values = [];
    private readonly List<long> _stamps = [];
    private readonly List<HeldSignal> _held = [];
    private readonly Queue<(int Index, Task<TOut> Call)> _inFlight = new();
    private readonly List<(int Index, Task<TOut> Call)> _running = [];

    private enum Signal
    {
        Watermark,
        Idle,
        ProcessingTime,
        Barrier,
        End,
    }

    /// <summary>A control signal that came after the first <see cref="Position"/> queued elements.</summary>
    private readonly record struct HeldSignal(Signal Kind, long Value, int Position);

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<TIn>)batch;
        for (int i = 0; i < b.Count; i++)
        {
            _values.Add(b.Values[i]);
            _stamps.Add(b.Timestamps[i]);
        }
    }

    public override void OnWatermark(long watermark) => PassOrHold(Signal.Watermark, watermark);

    public override void OnIdle() => PassOrHold(Signal.Idle, 0);

    public override void OnProcessingTime(long utcTicks) => PassOrHold(Signal.ProcessingTime, utcTicks);

    public override void OnEnd() => PassOrHold(Signal.End, 0);

    protected override void PassBarrier(long checkpoint) => PassOrHold(Signal.Barrier, checkpoint);

    /// <summary>
    /// Runs the queued calls, <c>maxConcurrency</c> at a time, emits each result in input order (or hands its error to
    /// the policy), and passes each held signal once the results of the elements before it have been emitted.
    /// </summary>
    public override async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_values.Count == 0 && _held.Count == 0) return;
        try
        {
            int done = 0;
            for (int h = 0; h < _held.Count; h++)
            {
                var signal = _held[h];
                await RunCallsAsync(done, signal.Position, cancellationToken).ConfigureAwait(false);
                done = signal.Position;
                Pass(signal.Kind, signal.Value);
            }

            await RunCallsAsync(done, _values.Count, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The run fails or is cancelled: the calls still running are abandoned (a function that ignores the token
            // may never end); observe how they end so that no exception goes unobserved.
            while (_inFlight.TryDequeue(out var abandoned)) Abandon(abandoned.Call);
            foreach (var (_, call) in _running) Abandon(call);
            _running.Clear();
            throw;
        }
        finally
        {
            _values.Clear();
            _stamps.Clear();
            _held.Clear();
            output.Flush();
        }
    }

    private static void Abandon(Task call) => _ = call.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);

    /// <summary>Runs the calls for the queued elements <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) and emits their results in order (or as they complete, unordered).</summary>
    private ValueTask RunCallsAsync(int from, int to, CancellationToken cancellationToken) =>
        options.Ordered ? RunOrderedAsync(from, to, cancellationToken) : RunUnorderedAsync(from, to, cancellationToken);

    private async ValueTask RunUnorderedAsync(int from, int to, CancellationToken cancellationToken)
    {
        int next = from;
        while (next < to || _running.Count > 0)
        {
            while (_running.Count < _maxConcurrency && next < to)
            {
                _running.Add((next, Call(_values[next], cancellationToken)));
                next++;
            }

            // Before waiting, the results so far go downstream: a slow call holds back no result that is ready.
            if (!_running.Exists(r => r.Call.IsCompleted)) output.Flush();

            // WaitAsync: cancelling the run ends the wait even when the function ignores the token.
            var completed = await Task.WhenAny(_running.Select(r => r.Call)).WaitAsync(cancellationToken).ConfigureAwait(false);
            int at = _running.FindIndex(r => r.Call == completed);
            int index = _running[at].Index;
            _running.RemoveAt(at);
            try
            {
                output.Emit(await completed.ConfigureAwait(false), _stamps[index]);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                Fail(ex, index);
            }
        }
    }

    private async ValueTask RunOrderedAsync(int from, int to, CancellationToken cancellationToken)
    {
        int next = from;
        while (next < to || _inFlight.Count > 0)
        {
            while (_inFlight.Count < _maxConcurrency && next < to)
            {
                _inFlight.Enqueue((next, Call(_values[next], cancellationToken)));
                next++;
            }

            var (index, call) = _inFlight.Peek();
            if (!call.IsCompleted) output.Flush();
            try
            {
                // WaitAsync: cancelling the run ends the wait even when the function ignores the token.
                TOut result = await call.WaitAsync(cancellationToken).ConfigureAwait(false);
                _inFlight.Dequeue();
                output.Emit(result, _stamps[index]);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                _inFlight.Dequeue();
                Fail(ex, index);
            }
        }
    }

    /// <summary>A call failed for good: the error policy decides (a cancellation the run did not ask for counts as a timeout).</summary>
    private void Fail(Exception ex, int index)
    {
        var cause = ex is OperationCanceledException
            ? new TimeoutException($"The function was canceled while the run was not (a timeout of its own?): {ex.Message}", ex)
            : ex;
        context.Errors.Handle(cause, _values[index], _stamps[index]);
    }

    /// <summary>Passes a control signal on at once when no element is queued, else holds it for <see cref="DrainAsync"/>.</summary>
    private void PassOrHold(Signal kind, long value)
    {
        if (_values.Count == 0 && _held.Count == 0) Pass(kind, value);
        else _held.Add(new HeldSignal(kind, value, _values.Count));
    }

    private void Pass(Signal kind, long value)
    {
        switch (kind)
        {
            case Signal.Watermark:
                output.Watermark(value);
                break;
            case Signal.Idle:
                output.Idle();
                break;
            case Signal.ProcessingTime:
                output.ProcessingTime(value);
                break;
            case Signal.Barrier:
                output.Barrier(value);
                break;
            case Signal.End:
                output.End();
                break;
        }
    }

    private Task<TOut> Call(TIn value, CancellationToken cancellationToken) =>
        _plain ? Invoke(value, cancellationToken) : CallAsync(value, cancellationToken);

    /// <summary>One element's call with the timeout and retries: each attempt within the timeout, a delay (doubling up to the cap) between attempts.</summary>
    private async Task<TOut> CallAsync(TIn value, CancellationToken cancellationToken)
    {
        TimeSpan max = options.MaxRetryDelay;
        TimeSpan delay = options.RetryDelay < max ? options.RetryDelay : max;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await AttemptAsync(value, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (attempt < options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                if (delay > TimeSpan.Zero) await ClockWaits.Delay(delay, clock, onWorkerFlow: false, cancellationToken).ConfigureAwait(false);
                delay = delay > max - delay ? max : delay + delay;
            }
        }
    }

    private async Task<TOut> AttemptAsync(TIn value, CancellationToken cancellationToken)
    {
        if (options.Timeout is not { } timeout) return await Invoke(value, cancellationToken).ConfigureAwait(false);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = Invoke(value, attempt.Token);
        try
        {
            return await call.WaitAsync(timeout, clock, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            // The function gets its token cancelled; if it ignores it, it is abandoned.
            await attempt.CancelAsync().ConfigureAwait(false);
            Abandon(call);
            throw new TimeoutException($"The call did not complete within the timeout of {timeout}.");
        }
    }

    private Task<TOut> Invoke(TIn value, CancellationToken cancellationToken)
    {
        try
        {
            return selector(value, cancellationToken) ?? Task.FromException<TOut>(new InvalidOperationException("The function returned a null task."));
        }
        catch (Exception ex)
        {
            return Task.FromException<TOut>(ex);
        }
    }
}
