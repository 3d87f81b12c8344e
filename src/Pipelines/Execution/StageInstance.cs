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

    public void OnEnd(int producer)
    {
        if (Merger.OnEnd(producer, out long combined)) Operator.OnWatermark(combined);
        if (Merger.AllEnded && !Ended)
        {
            Ended = true;
            Operator.OnEnd();
        }
    }
}
