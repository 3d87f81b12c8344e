using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// One worker of a stage: its operator and the merger of the watermarks of every producer that feeds it.
/// Both executors deliver messages to it; it turns per-producer signals into the operator's merged view. Its
/// inputs are numbered by the physical plan (<see cref="Plan.PlanEdge.InputOf"/>), <paramref name="inputs"/> in all.
/// </summary>
internal sealed class StageInstance(StageOperator op, string name, int worker, int inputs, Diagnostics.OperatorTelemetry telemetry)
{
    private long[]? _barriers;
    private long _barrierPassed;
    private long _alignmentStarted;

    /// <summary>Hand-overs delivered per producer, those passed to the operator, and the one waiting for every producer.</summary>
    private long[]? _handovers;
    private long _handoversPassed;
    private Exchanges.PartitionHandover? _pendingHandover;

    public string Name { get; } = name;

    public int Worker { get; } = worker;

    public WatermarkMerger Merger { get; } = new(inputs);

    /// <summary>Counts what the stage receives.</summary>
    public Diagnostics.OperatorTelemetry Telemetry { get; } = telemetry;

    public StageOperator Operator { get; } = op;

    public bool Ended { get; private set; }

    /// <summary>
    /// Aligned barriers that block (checkpoints that store state): once a producer has passed a barrier the stage has
    /// not, what it sends next waits (<see cref="Holds"/>) until every other producer has passed it too, so the
    /// snapshot taken at the barrier holds exactly the elements before it.
    /// </summary>
    public bool BlocksForAlignment { get; init; }

    /// <summary>
    /// True when messages of <paramref name="producer"/> must wait: it passed a barrier the others have not yet, or a
    /// partition hand-over the others have not delivered yet (<see cref="OnHandover"/>).
    /// </summary>
    public bool Holds(int producer) =>
        (BlocksForAlignment && _barriers is { } barriers && barriers[producer] > _barrierPassed)
        || (_handovers is { } handovers && handovers[producer] > _handoversPassed);

    public void OnBatch(int port, int producer, object batch)
    {
        Merger.MarkActive(producer);
        Telemetry.ElementsIn(((IPooledBatch)batch).Size);
        Operator.OnBatch(port, batch);
    }

    /// <summary>Elements read in place from <paramref name="producer"/>'s span (<see cref="DirectSpanEdge{T}"/>).</summary>
    public void OnSpan<T>(int producer, ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps, IStageSpanInput<T> input)
    {
        Merger.MarkActive(producer);
        Telemetry.ElementsIn(values.Length);
        input.OnSpan(values, timestamps);
    }

    /// <summary>Elements pushed one at a time from <paramref name="producer"/> (<see cref="DirectSpanEdge{T}"/>) since the last call: counted, and their batch closed.</summary>
    public void EndPushes<T>(int producer, int count, IStageElementInput<T> input)
    {
        Merger.MarkActive(producer);
        Telemetry.ElementsIn(count);
        input.EndPushes();
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
        _barriers ??= new long[Merger.Inputs];
        _barriers[producer] = Math.Max(_barriers[producer], checkpoint);
        if (_alignmentStarted == 0 && checkpoint > _barrierPassed) _alignmentStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        AlignBarriers();
    }

    private void AlignBarriers()
    {
        if (_barriers is null) return;
        long aligned = long.MaxValue;
        for (int i = 0; i < _barriers.Length; i++)
        {
            if (!Merger.IsEnded(i)) aligned = Math.Min(aligned, _barriers[i]);
        }

        if (aligned == long.MaxValue || aligned <= _barrierPassed) return;
        _barrierPassed = aligned;
        if (_alignmentStarted != 0)
        {
            Telemetry.Alignment(System.Diagnostics.Stopwatch.GetElapsedTime(_alignmentStarted).TotalMilliseconds);
            _alignmentStarted = 0;
        }

        Operator.OnBarrier(aligned);
    }

    /// <summary>
    /// A producer delivered a partition hand-over of a source (<see cref="Exchanges.PartitionHandover"/>). An operator
    /// whose state is split by that source's partitions and that has several inputs from it (a join of two streams
    /// split from one exchange) gets every hand-over once, when all its inputs have delivered it: meanwhile a producer
    /// that has delivered it is held (<see cref="Holds"/>), as for an aligned barrier, so the hand-over comes after
    /// every element read before it on every input and before every element read after it. Otherwise (one input, or a
    /// hand-over the operator ignores) it goes straight on.
    /// </summary>
    public void OnHandover(int producer, Exchanges.PartitionHandover handover)
    {
        if (Merger.Inputs == 1 || !Operator.AlignsHandoversOf(handover.Source))
        {
            Operator.OnHandover(handover);
            return;
        }

        _handovers ??= new long[Merger.Inputs];
        _handovers[producer]++;
        _pendingHandover = handover;
        AlignHandovers();
    }

    private void AlignHandovers()
    {
        if (_handovers is null || _pendingHandover is not { } handover) return;
        for (int i = 0; i < _handovers.Length; i++)
        {
            if (!Merger.IsEnded(i) && _handovers[i] <= _handoversPassed) return;
        }

        _handoversPassed++;
        _pendingHandover = null;
        Operator.OnHandover(handover);
    }

    public void OnEnd(int producer)
    {
        if (Merger.OnEnd(producer, out long combined)) Operator.OnWatermark(combined);
        if (!Merger.AllEnded) AlignHandovers();
        if (!Merger.AllEnded) AlignBarriers();
        if (Merger.AllEnded && !Ended)
        {
            Ended = true;
            Operator.OnEnd();
        }
    }
}
