using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Maps each element with an asynchronous function, at most <paramref name="maxConcurrency"/> calls at a time,
/// results in input order with the element's event time. The synchronous calls only queue elements; the executor
/// awaits <see cref="DrainAsync"/>, which runs the queued calls and emits their results. A watermark, idle mark,
/// processing-time tick, barrier or the end that arrives while elements are queued is held and passed on by
/// <see cref="DrainAsync"/> right after the results of the elements before it, so nothing overtakes a result
/// whichever way the executor drains: the streaming one drains after every message (nothing is queued when a
/// control signal comes), the bounded one after each source read and once more after the end of input, when a
/// stage upstream may have emitted its last results and +∞ and the end in the same call.
/// </summary>
internal sealed class SelectAsync<TIn, TOut>(
    Func<TIn, CancellationToken, Task<TOut>> selector,
    int maxConcurrency,
    Output<TOut> output,
    OperatorContext context) : StageOperator
{
    private readonly List<TIn> _values = [];
    private readonly List<long> _stamps = [];
    private readonly List<HeldSignal> _held = [];
    private readonly Queue<(int Index, Task<TOut> Call)> _inFlight = new();

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
            while (_inFlight.TryDequeue(out var abandoned)) _ = abandoned.Call.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
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

    /// <summary>Runs the calls for the queued elements <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) and emits their results in order.</summary>
    private async ValueTask RunCallsAsync(int from, int to, CancellationToken cancellationToken)
    {
        int next = from;
        while (next < to || _inFlight.Count > 0)
        {
            while (_inFlight.Count < maxConcurrency && next < to)
            {
                _inFlight.Enqueue((next, Call(_values[next], cancellationToken)));
                next++;
            }

            var (index, call) = _inFlight.Peek();
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
                var cause = ex is OperationCanceledException
                    ? new TimeoutException($"The function was canceled while the run was not (a timeout of its own?): {ex.Message}", ex)
                    : ex;
                context.Errors.Handle(cause, _values[index], _stamps[index]);
            }
        }
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

    private Task<TOut> Call(TIn value, CancellationToken cancellationToken)
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
