using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Diagnostics;
using Pipelines.Operators;
using Pipelines.Runtime;
using Pipelines.State;

namespace Pipelines.Tests.TestSupport;

/// <summary>
/// Drives one stateful operator without a job (the role of Flink's <c>OneInputStreamOperatorTestHarness</c>):
/// elements, watermarks, processing time, barriers and the end of input go in; its output (elements with event
/// times, watermarks, barriers), its state store and its timers can be inspected after each step.
/// </summary>
internal sealed class OperatorHarness<TKey, TOut>
    where TKey : notnull
{
    private readonly StageOperator _operator;

    public OperatorHarness(Func<OperatorContext, Output<TOut>, StageOperator> create, ErrorPolicy policy = ErrorPolicy.Fail, bool streaming = true)
    {
        Counters = new RunCounters();
        var telemetry = OperatorTelemetry.None;
        var run = new RunTelemetry("harness", streaming ? "streaming" : "bounded", TimeProvider.System);
        var context = new OperatorContext(
            new OperatorErrorHandler("op", policy, Counters, telemetry, null),
            Counters,
            telemetry,
            run,
            new LateDropLog(NullLogger.Instance, "harness", "op", TimeProvider.System),
            streaming ? ExecutionPolicy.Continuous : ExecutionPolicy.Bounded,
            batchSize: 16,
            worker: 0);
        Output = new Collector<TOut>();
        _operator = create(context, new Output<TOut>([Output], 16, telemetry));
    }

    /// <summary>The operator driven.</summary>
    public StageOperator Operator => _operator;

    /// <summary>What the operator emitted so far.</summary>
    public Collector<TOut> Output { get; }

    public RunCounters Counters { get; }

    /// <summary>The operator's keyed state.</summary>
    public KeyedStateStore<TKey> State => ((KeyedStage<TKey>)_operator).State;

    /// <summary>The operator's timers.</summary>
    public TimerService<TKey> Timers => ((KeyedStage<TKey>)_operator).Timers;

    public OperatorHarness<TKey, TOut> Element<T>(T value, long timestamp, int port = 0)
    {
        var batch = new Batch<T>(1);
        batch.Values[0] = value;
        batch.Timestamps[0] = timestamp;
        batch.Count = 1;
        _operator.OnBatch(port, batch);
        return this;
    }

    public OperatorHarness<TKey, TOut> Watermark(long watermark)
    {
        _operator.OnWatermark(watermark);
        return this;
    }

    public OperatorHarness<TKey, TOut> ProcessingTime(long utcTicks)
    {
        _operator.OnProcessingTime(utcTicks);
        return this;
    }

    /// <summary>Every input went idle.</summary>
    public OperatorHarness<TKey, TOut> Idle()
    {
        _operator.OnIdle();
        return this;
    }

    public OperatorHarness<TKey, TOut> Barrier(long checkpoint)
    {
        _operator.OnBarrier(checkpoint);
        return this;
    }

    /// <summary>A source upstream was assigned or lost partitions; a restore is awaited as the streaming executor does.</summary>
    public OperatorHarness<TKey, TOut> Handover(Pipelines.Exchanges.PartitionHandover handover)
    {
        _operator.OnHandover(handover);
        _operator.DrainAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return this;
    }

    public OperatorHarness<TKey, TOut> End()
    {
        _operator.OnWatermark(long.MaxValue);
        _operator.OnEnd();
        return this;
    }
}

/// <summary>A batch target that records everything it receives.</summary>
internal sealed class Collector<T> : IBatchTarget<T>
{
    public List<(T Value, long Timestamp)> Elements { get; } = [];

    public List<T> Values => Elements.Select(e => e.Value).ToList();

    public List<long> Watermarks { get; } = [];

    /// <summary>Each element's origin, or null when its batch carried none.</summary>
    public List<ElementOrigin?> Origins { get; } = [];

    public List<long> Barriers { get; } = [];

    /// <summary>Elements (<c>"e:value"</c>), watermarks (<c>"w:watermark"</c>) and idleness (<c>"idle"</c>) in the order they came.</summary>
    public List<string> Log { get; } = [];

    public bool Ended { get; private set; }

    public void OnBatch(Batch<T> batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            Elements.Add((batch.Values[i], batch.Timestamps[i]));
            Origins.Add(batch.HasOrigins ? batch.Origins![i] : null);
            Log.Add($"e:{batch.Values[i]}");
        }
    }

    public void OnWatermark(long watermark)
    {
        Watermarks.Add(watermark);
        Log.Add($"w:{watermark}");
    }

    public void OnIdle() => Log.Add("idle");

    public void OnProcessingTime(long utcTicks)
    {
    }

    public void OnBarrier(long checkpoint) => Barriers.Add(checkpoint);

    public void OnHandover(Pipelines.Exchanges.PartitionHandover handover) => Handovers.Add(handover);

    /// <summary>Partition handovers passed on (a keyed stage passes none).</summary>
    public List<Pipelines.Exchanges.PartitionHandover> Handovers { get; } = [];

    public void OnEnd() => Ended = true;
}
