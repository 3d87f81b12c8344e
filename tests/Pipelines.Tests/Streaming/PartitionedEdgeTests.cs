using System.Threading.Channels;
using Pipelines.Execution.Streaming;
using Pipelines.Plan;
using Pipelines.Diagnostics;
using Pipelines.Runtime;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Streaming;

/// <summary>
/// The edge into a keyed stage with two workers: a batch whose elements all belong to one worker goes to it whole and
/// at once (a constant key, a hot key), unless that worker holds elements of earlier batches, which come first; a
/// batch spread over the workers is split into their buffers, held until full or sent.
/// </summary>
public sealed class PartitionedEdgeTests
{
    private const int Capacity = 16;

    private readonly Channel<StageMessage>[] _workers = [Channel.CreateUnbounded<StageMessage>(), Channel.CreateUnbounded<StageMessage>()];
    private readonly BatchPool<int> _pool = new(Capacity, 8);
    private readonly PartitionedEdge<int> _edge;

    /// <summary>A key of each worker.</summary>
    private readonly int[] _keyOf = new int[2];

    public PartitionedEdgeTests()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).WithEventTime(i => DateTimeOffset.UnixEpoch, BoundedRun.NoDelay).KeyBy(i => i).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count()
            .To(Sinks.Action<WindowResult<int, long>>(_ => { }));
        var plan = PhysicalPlan.Create(p.Build(), keyedParallelism: 2);
        var edge = (PlanEdge<int>)plan.Edges.Single(e => e.Partitioning == EdgePartitioning.Hash);
        _edge = new PartitionedEdge<int>(edge, [.. _workers.Select(w => w.Writer)], producer: 0, _pool, new PendingWrites());
        for (int w = 0; w < 2; w++) _keyOf[w] = Enumerable.Range(0, 100).First(k => edge.PartitionOf(k, 2) == w);
    }

    private Batch<int> BatchOf(params int[] workers)
    {
        var batch = _pool.Rent();
        for (int i = 0; i < workers.Length; i++)
        {
            batch.Values[i] = _keyOf[workers[i]];
            batch.Timestamps[i] = 100 + i;
        }

        batch.Count = workers.Length;
        return batch;
    }

    /// <summary>What worker <paramref name="worker"/> has received: per batch message, its (element, timestamp) pairs.</summary>
    private List<(int Value, long Timestamp)[]> Received(int worker)
    {
        var batches = new List<(int, long)[]>();
        while (_workers[worker].Reader.TryRead(out var message))
        {
            message.Kind.Should().Be(MessageKind.Batch);
            var batch = (Batch<int>)message.Batch!;
            batches.Add([.. Enumerable.Range(0, batch.Count).Select(i => (batch.Values[i], batch.Timestamps[i]))]);
        }

        return batches;
    }

    /// <summary>Half a buffer: the fewest elements of a batch that goes to one worker whole.</summary>
    private const int Half = Capacity / 2;

    private static int[] Times(int worker, int count) => [.. Enumerable.Repeat(worker, count)];

    private (int, long)[] Expected(int worker, int count, long from = 100) => [.. Enumerable.Range(0, count).Select(i => (_keyOf[worker], from + i))];

    [Fact]
    public void ABatchOfOneWorkersKeys_GoesToThatWorkerAtOnce_Whole()
    {
        _edge.OnBatch(BatchOf(Times(1, Half)));

        Received(1).Should().ContainSingle().Which.Should().Equal(Expected(1, Half));
        Received(0).Should().BeEmpty();
    }

    [Fact]
    public void TheProducersOwnBuffer_IsHandedOver_AndTheProducerGoesOnWithAnother()
    {
        var output = new Output<int>([_edge], Capacity, OperatorTelemetry.None);
        var buffer = output.Reserve(Half);
        for (int i = 0; i < Half; i++) output.Emit(_keyOf[1], 100 + i);
        output.Flush();

        _workers[1].Reader.TryRead(out var message).Should().BeTrue();
        message.Batch.Should().BeSameAs(buffer, "the edge is the output's only reader: its buffer crosses without a copy");
        output.Reserve(1).Should().NotBeSameAs(buffer);
        buffer.Count.Should().Be(Half);
    }

    [Fact]
    public void ASmallBatchOfOneWorkersKeys_GathersInThatWorkersBuffer()
    {
        _edge.OnBatch(BatchOf(Times(1, Half - 1)));
        _edge.OnBatch(BatchOf(Times(1, 2)));

        Received(1).Should().BeEmpty("smaller batches gather into full ones");
        _edge.SendHeld();
        Received(1).Should().ContainSingle().Which.Should().HaveCount(Half + 1);
    }

    [Fact]
    public void ABatchOfOneWorkersKeys_ComesAfterTheElementsThatWorkerHolds()
    {
        _edge.OnBatch(BatchOf(0, 1));
        _edge.OnBatch(BatchOf(Times(1, Half)));

        Received(1).Should().BeEmpty("the worker's share of the first batch waits for more, and the second batch joins it");
        _edge.SendHeld();

        Received(1).Should().ContainSingle().Which.Should().Equal([(_keyOf[1], 101L), .. Expected(1, Half)]);
        Received(0).Should().ContainSingle().Which.Should().Equal((_keyOf[0], 100));
    }

    [Fact]
    public void ABatchOfOneWorkersKeys_GoesWhole_WhileAnotherWorkerHoldsElements()
    {
        _edge.OnBatch(BatchOf([0, .. Times(1, Capacity - 1)]));
        _edge.OnBatch(BatchOf(1));
        _edge.OnBatch(BatchOf(Times(1, Half)));

        var received = Received(1);
        received.Should().HaveCount(2, "worker 1's buffer filled up with the second batch, and the third went whole");
        received[0].Should().HaveCount(Capacity);
        received[1].Should().Equal(Expected(1, Half));
        Received(0).Should().BeEmpty("worker 0 holds its element of the first batch");
        _edge.SendHeld();
        Received(0).Should().ContainSingle().Which.Should().Equal((_keyOf[0], 100));
    }

    [Fact]
    public void BatchesSpreadOverTheWorkers_AreSplitIntoTheirBuffers_HeldUntilSent()
    {
        for (int i = 0; i < 3; i++) _edge.OnBatch(BatchOf(0, 1, 1));

        Received(0).Should().BeEmpty();
        Received(1).Should().BeEmpty();
        _edge.SendHeld();

        Received(0).Should().ContainSingle().Which.Should().Equal((_keyOf[0], 100), (_keyOf[0], 100), (_keyOf[0], 100));
        Received(1).Should().ContainSingle().Which.Should().HaveCount(6);
    }
}
