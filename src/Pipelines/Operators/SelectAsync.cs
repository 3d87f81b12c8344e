using System.Diagnostics;
using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Maps each element with an asynchronous function, at most <paramref name="maxConcurrency"/> calls at a time,
/// results in input order with the element's event time. The synchronous calls only queue elements; the executor
/// awaits <see cref="DrainAsync"/> after every message (both drivers do), which runs the queued calls and emits
/// their results. So when a watermark, barrier or the end arrives, no call is in flight and every earlier result
/// has been emitted: they pass on at once, and the results stay in order with them.
/// </summary>
internal sealed class SelectAsync<TIn, TOut>(
    Func<TIn, CancellationToken, Task<TOut>> selector,
    int maxConcurrency,
    Output<TOut> output,
    OperatorContext context) : StageOperator
{
    private readonly List<TIn> _values = [];
    private readonly List<long> _stamps = [];
    private readonly Queue<(int Index, Task<TOut> Call)> _inFlight = new();

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<TIn>)batch;
        for (int i = 0; i < b.Count; i++)
        {
            _values.Add(b.Values[i]);
            _stamps.Add(b.Timestamps[i]);
        }
    }

    public override void OnWatermark(long watermark)
    {
        AssertDrained();
        output.Watermark(watermark);
    }

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks) => output.ProcessingTime(utcTicks);

    public override void OnEnd()
    {
        AssertDrained();
        output.End();
    }

    protected override void PassBarrier(long checkpoint)
    {
        AssertDrained();
        output.Barrier(checkpoint);
    }

    /// <summary>Runs the queued calls, <c>maxConcurrency</c> at a time, and emits each result in input order (or hands its error to the policy).</summary>
    public override async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_values.Count == 0) return;
        int next = 0;
        try
        {
            while (next < _values.Count || _inFlight.Count > 0)
            {
                while (_inFlight.Count < maxConcurrency && next < _values.Count)
                {
                    _inFlight.Enqueue((next, Call(_values[next], cancellationToken)));
                    next++;
                }

                var (index, call) = _inFlight.Peek();
                try
                {
                    TOut result = await call.ConfigureAwait(false);
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
        catch
        {
            // The run fails or is cancelled: the calls still running are abandoned; observe how they end.
            while (_inFlight.TryDequeue(out var abandoned)) _ = abandoned.Call.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            throw;
        }
        finally
        {
            _values.Clear();
            _stamps.Clear();
            output.Flush();
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

    [Conditional("DEBUG")]
    private void AssertDrained() => Debug.Assert(_values.Count == 0 && _inFlight.Count == 0, "DrainAsync runs after every message, so control signals find nothing in flight.");
}
