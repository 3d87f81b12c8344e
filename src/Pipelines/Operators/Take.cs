using System.Runtime.CompilerServices;
using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Passes the first <paramref name="count"/> elements (<c>Take</c>), or the elements before the first for which
/// <paramref name="predicate"/> is false (<c>TakeWhile</c>), and drops the rest. Once it has taken all it will, it
/// sets <paramref name="done"/>, so the bounded executor can stop reading sources whose every path ends here.
/// Watermarks, barriers and the end pass through; it keeps no elements.
/// </summary>
internal sealed class Take<T>(long count, Func<T, bool>? predicate, StrongBox<bool> done, Output<T> output, OperatorContext context) : StageOperator, Checkpoints.IStateOutsideCheckpoints
{
    public string StateDescription => predicate is null ? "the number of elements it has taken" : "whether its predicate has failed";

    private long _taken;

    public override void OnBatch(int port, object batch)
    {
        if (Volatile.Read(ref done.Value)) return;
        var b = (Batch<T>)batch;
        int i = 0;
        while (i < b.Count)
        {
            if (predicate is null)
            {
                int n = (int)Math.Min(b.Count - i, count - _taken);
                for (int end = i + n; i < end; i++) output.Emit(b.Values[i], b.Timestamps[i]);
                _taken += n;
                if (_taken >= count) Finish();
                break;
            }

            try
            {
                for (; i < b.Count; i++)
                {
                    if (!predicate(b.Values[i]))
                    {
                        Finish();
                        output.Flush();
                        return;
                    }

                    output.Emit(b.Values[i], b.Timestamps[i]);
                }
            }
            catch (Exception ex)
            {
                context.Errors.Handle(ex, b.Values[i], b.Timestamps[i]);
                i++;
            }
        }

        output.Flush();
    }

    public override void OnWatermark(long watermark) => output.Watermark(watermark);

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks) => output.ProcessingTime(utcTicks);

    public override void OnEnd() => output.End();

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

    private void Finish() => Volatile.Write(ref done.Value, true);
}
