using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// One worker of a stage: its operator and the merger of the watermarks of every producer that feeds it.
/// Both executors deliver messages to it; it turns per-producer signals into the operator's merged view.
/// </summary>
internal sealed class StageInstance(string name, int worker)
{
    private StageOperator? _operator;

    public string Name { get; } = name;

    public int Worker { get; } = worker;

    public WatermarkMerger Merger { get; } = new();

    /// <summary>Counts what the stage receives (set when wired).</summary>
    public Diagnostics.OperatorTelemetry Telemetry { get; set; } = Diagnostics.OperatorTelemetry.None;

    public StageOperator Operator
    {
        get => _operator ?? throw new InvalidOperationException($"Stage '{Name}' was not wired.");
        set => _operator = value;
    }

    public bool Ended { get; private set; }

    private long[] _barriers = [];
    private long _barrierPassed;

    /// <summary>Registers a producer; returns its input index.</summary>
    public int AddProducer() => Merger.AddInput();

    public void OnBatch(int port, int producer, object batch)
    {
        Merger.MarkActive(producer);
        Telemetry.ElementsIn(((IPooledBatch)batch).Size);
        Operator.OnBatch(port, batch);
    }

    public void OnWatermark(int producer, long watermark)
    {
        if (Merger.OnWatermark(producer, watermark, out long combined)) Operator.OnWatermark(combined);
    }

    public void OnIdle(int producer)
    {
        if (Merger.OnIdle(producer, out long combined)) Operator.OnWatermark(combined);
        if (Merger.AllIdle) Operator.OnIdle();
    }

    /// <summary>
    /// A producer passed checkpoint barrier <paramref name="checkpoint"/>. The operator sees it once every producer
    /// that has not ended has passed it (for at-least-once no input waits for the others meanwhile).
    /// </summary>
    public void OnBarrier(int producer, long checkpoint)
    {
        if (_barriers.Length != Merger.Inputs) Array.Resize(ref _barriers, Merger.Inputs);
        _barriers[producer] = Math.Max(_barriers[producer], checkpoint);
        AlignBarriers();
    }

    private void AlignBarriers()
    {
        long aligned = long.MaxValue;
        for (int i = 0; i < _barriers.Length; i++)
        {
            if (!Merger.IsEnded(i)) aligned = Math.Min(aligned, _barriers[i]);
        }

        if (aligned == long.MaxValue || aligned <= _barrierPassed) return;
        _barrierPassed = aligned;
        Operator.OnBarrier(aligned);
    }

    public void OnEnd(int producer)
    {
        if (Merger.OnEnd(producer, out long combined)) Operator.OnWatermark(combined);
        if (_barriers.Length > 0 && !Merger.AllEnded) AlignBarriers();
        if (Merger.AllEnded && !Ended)
        {
            Ended = true;
            Operator.OnEnd();
        }
    }
}
