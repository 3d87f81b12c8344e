using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Akka's <c>throttle</c> in shaping mode on the run's clock: a bucket of <c>burst</c> tokens, refilled at
/// <c>elements</c> per <c>per</c>; each element takes a token, and waits for one when the bucket is empty — it is
/// delayed, never dropped, and upstream is held back meanwhile. The synchronous calls only queue elements (and control
/// signals behind them, as <see cref="SelectAsync{TIn,TOut}"/> does); <see cref="DrainAsync"/> emits them in order,
/// waiting on the clock. The bucket is counted in units of one tick of refill, so no rounding drifts.
/// </summary>
internal sealed class Throttle<T>(int elements, TimeSpan per, int burst, TimeProvider clock, Output<T> output) : StageOperator
{
    private readonly List<T> _values = [];
    private readonly List<long> _stamps = [];
    private readonly List<(int Kind, long Value, int Position)> _held = [];

    /// <summary>Tokens × <c>per</c> ticks: an element costs <c>per.Ticks</c>, a tick of time refills <c>elements</c>.</summary>
    private Int128 _tokens = (Int128)burst * per.Ticks;
    private long _refilledAt = long.MinValue;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        for (int i = 0; i < b.Count; i++)
        {
            _values.Add(b.Values[i]);
            _stamps.Add(b.Timestamps[i]);
        }
    }

    public override void OnWatermark(long watermark) => PassOrHold(0, watermark);

    public override void OnIdle() => PassOrHold(1, 0);

    public override void OnProcessingTime(long utcTicks) => PassOrHold(2, utcTicks);

    public override void OnEnd() => PassOrHold(4, 0);

    protected override void PassBarrier(long checkpoint) => PassOrHold(3, checkpoint);

    public override async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_values.Count == 0 && _held.Count == 0) return;
        try
        {
            int next = 0;
            foreach (var (kind, value, position) in _held)
            {
                for (; next < position; next++) await EmitAsync(next, cancellationToken).ConfigureAwait(false);
                Pass(kind, value);
            }

            for (; next < _values.Count; next++) await EmitAsync(next, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _values.Clear();
            _stamps.Clear();
            _held.Clear();
            output.Flush();
        }
    }

    private async ValueTask EmitAsync(int index, CancellationToken cancellationToken)
    {
        Int128 cost = per.Ticks;
        while (true)
        {
            long now = clock.GetUtcNow().UtcTicks;
            Int128 full = (Int128)burst * per.Ticks;
            if (_refilledAt != long.MinValue && now > _refilledAt)
            {
                Int128 refilled = _tokens + (Int128)(now - _refilledAt) * elements;
                _tokens = refilled > full ? full : refilled;
            }

            _refilledAt = now;
            if (_tokens >= cost)
            {
                _tokens -= cost;
                output.Emit(_values[index], _stamps[index]);
                return;
            }

            // What is out goes downstream before the wait.
            output.Flush();
            long wait = (long)((cost - _tokens + elements - 1) / elements);
            await ClockWaits.Delay(TimeSpan.FromTicks(Math.Max(1, wait)), clock, onWorkerFlow: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private void PassOrHold(int kind, long value)
    {
        if (_values.Count == 0 && _held.Count == 0) Pass(kind, value);
        else _held.Add((kind, value, _values.Count));
    }

    private void Pass(int kind, long value)
    {
        switch (kind)
        {
            case 0:
                output.Watermark(value);
                break;
            case 1:
                output.Idle();
                break;
            case 2:
                output.ProcessingTime(value);
                break;
            case 3:
                output.Barrier(value);
                break;
            default:
                output.End();
                break;
        }
    }
}
