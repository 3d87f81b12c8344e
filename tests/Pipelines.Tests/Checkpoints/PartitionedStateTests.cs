using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Aggregation;
using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Checkpoints.Storage;
using Pipelines.Exchanges;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Keyed state split by an exchange's partitions, moved between two workers of different "instances" through a
/// shared directory: the first owner snapshots every partition at a checkpoint, goes on past it, then loses two
/// partitions (their state is dropped, nothing emitted); the second restores them from the snapshot stored with the
/// checkpoint's offset and reads again from there. Every (key, window) then has one final value, the one an
/// uninterrupted worker computes, and where both owners emitted a (key, window) they emitted the same value.
/// </summary>
public sealed class PartitionedStateTests : IDisposable
{
    private const int Partitions = 4;
    private const long End = 1_000_000;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipelines-pstate-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>Partitions by the key's letter; positions are the step index the checkpoint was taken at, for every partition.</summary>
    private sealed class Exchange : IPartitionedStateSource
    {
        public int PartitionCount => Partitions;

        public Func<TKey, int>? PartitionerFor<TKey>() => typeof(TKey) == typeof(string) ? (Func<TKey, int>)(object)(Func<string, int>)PartitionOf : null;

        public static int PartitionOf(string key) => (key[0] - 'a') % Partitions;

        public bool TryGetPartitionOffset(object position, int partition, out long offset)
        {
            offset = (long)position;
            return true;
        }
    }

    /// <summary>Writes each partition snapshot to the store at once, at the offset the test gives.</summary>
    private sealed class Receiver(PartitionStateStore store, Func<long> offset, long final = 0) : ISnapshotReceiver
    {
        public long FinalCheckpoint => final;

        public List<(long Checkpoint, int Partition, byte[] Snapshot)> Written { get; } = [];

        public void OnSnapshot(long checkpoint, int worker, byte[] snapshot) => throw new InvalidOperationException("A partitioned stage writes per partition.");

        public void OnPartitionSnapshots(long checkpoint, int worker, IPartitionedStateSource source, IReadOnlyDictionary<int, byte[]> snapshots)
        {
            foreach (var (partition, snapshot) in snapshots)
            {
                store.WriteAsync("op", source, partition, offset(), checkpoint, snapshot, CancellationToken.None).GetAwaiter().GetResult();
                Written.Add((checkpoint, partition, snapshot));
            }
        }
    }

    private sealed record Step(string? Element, long Timestamp, long? Watermark = null)
    {
        public int Partition => Exchange.PartitionOf(Element!);
    }

    private static List<Step> Script(int seed, int count)
    {
        var random = new Random(seed);
        var steps = new List<Step>();
        long clock = 0;
        for (int i = 0; i < count; i++)
        {
            clock += random.Next(0, 4);
            string key = ((char)('a' + random.Next(8))).ToString();
            steps.Add(new Step($"{key}{i}", clock + random.Next(0, 20)));
            if (random.Next(6) == 0) steps.Add(new Step(null, 0, clock));
        }

        return steps;
    }

    private static void Apply<TOut>(OperatorHarness<string, TOut> h, Step step)
    {
        if (step.Watermark is { } w) h.Watermark(w);
        else h.Element(step.Element!, step.Timestamp);
    }

    private static OperatorHarness<string, WindowResult<string, long>> Tumbling() =>
        new((context, output) => new WindowAggregate<string, string, long, long>(
            s => s[..1], Windows.Tumbling(TimeSpan.FromTicks(10)),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context), context));

    private static OperatorHarness<string, WindowResult<string, long>> Sessions() =>
        new((context, output) => new SessionWindowAggregate<string, string, long, long>(
            s => s[..1], 6, new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context), context));

    private static OperatorHarness<string, string> Process() =>
        new((context, output) => new KeyedProcess<string, string, string>(s => s[..1], new RunningCount(), output, TimeProvider.System, context));

    /// <summary>Per key a count in value state and a timer 8 ticks after each element that reports it.</summary>
    private sealed class RunningCount : KeyedProcessFunction<string, string, string>
    {
        private ValueState<long> _count = null!;

        public override void Open(KeyedStateRegistry state) => _count = state.Value<long>("count");

        public override void ProcessElement(string element, KeyedProcessContext<string, string> context)
        {
            _count.Value++;
            context.RegisterEventTimeTimer(context.Timestamp + TimeSpan.FromTicks(8));
            context.Emit($"{context.Key}:{_count.Value}");
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context) =>
            context.Emit($"{context.Key}@{time.Ticks}:{_count.Value}");
    }

    /// <summary>Runs the move for 10 seeds and returns, per seed, the outputs of the uninterrupted worker and of both owners.</summary>
    private IEnumerable<(List<TOut> Expected, List<TOut> First, List<TOut> Second, int Restored)> Move<TOut>(Func<OperatorHarness<string, TOut>> create)
    {
        var serializers = new StateSerializerRegistry();
        var exchange = new Exchange();
        for (int seed = 1; seed <= 10; seed++)
        {
            var store = new PartitionStateStore(CheckpointStorage.Directory(Path.Combine(_root, seed.ToString(System.Globalization.CultureInfo.InvariantCulture))), NullLogger.Instance);
            var binding = new PartitionedStateBinding(exchange, store);
            var script = Script(seed, 300);
            var random = new Random(seed * 17);
            int checkpointAt = random.Next(script.Count / 4, script.Count / 2);
            int revokedAt = checkpointAt + random.Next(0, script.Count / 4);

            var uninterrupted = create();
            foreach (var step in script) Apply(uninterrupted, step);
            uninterrupted.Watermark(End);

            var first = create();
            var firstReceiver = new Receiver(store, () => checkpointAt);
            ((ICheckpointedStage)first.Operator).EnableCheckpoints(serializers, "op", 128, 0, 1, firstReceiver, binding);
            first.Handover(new PartitionHandover(exchange, [.. Enumerable.Range(0, Partitions).Select(p => (p, (long?)null))], []));
            foreach (var step in script.Take(checkpointAt)) Apply(first, step);
            first.Barrier(1);
            first.Output.Barriers.Should().Equal([1L]);
            firstReceiver.Written.Select(w => w.Partition).Should().BeEquivalentTo(Enumerable.Range(0, Partitions), "every partition owned is written, empty or not");
            foreach (var step in script.Take(revokedAt).Skip(checkpointAt)) Apply(first, step);
            first.Handover(new PartitionHandover(exchange, [], [0, 1]));
            first.State.Keys.Entries().Select(e => Exchange.PartitionOf(e.Key)).Should().NotContain([0, 1], "the partitions handed over leave nothing behind");
            first.Timers.Pending(TimeDomain.EventTime).Select(t => Exchange.PartitionOf(first.State.Keys[t.Key])).Should().NotContain([0, 1]);
            foreach (var step in script.Skip(revokedAt).Where(s => s.Watermark is not null || s.Partition >= 2)) Apply(first, step);
            first.Watermark(End);

            var second = create();
            ((ICheckpointedStage)second.Operator).EnableCheckpoints(serializers, "op", 128, 0, 1, new Receiver(store, () => 0), binding);
            second.Handover(new PartitionHandover(exchange, [(0, checkpointAt), (1, checkpointAt)], []));
            int restored = second.State.Keys.Count;
            foreach (var step in script.Skip(checkpointAt).Where(s => s.Watermark is not null || s.Partition < 2)) Apply(second, step);
            second.Watermark(End);

            yield return (uninterrupted.Output.Values, first.Output.Values, second.Output.Values, restored);
        }
    }

    private void CheckWindows(Func<OperatorHarness<string, WindowResult<string, long>>> create)
    {
        int restoredSomething = 0;
        foreach (var (expected, first, second, restored) in Move(create))
        {
            if (restored > 0) restoredSomething++;
            var both = first.Select(r => (r.Key, r.Window)).Intersect(second.Select(r => (r.Key, r.Window))).ToList();
            foreach (var window in both)
            {
                first.Where(r => (r.Key, r.Window) == window).Select(r => r.Value).Distinct()
                    .Should().Equal(second.Where(r => (r.Key, r.Window) == window).Select(r => r.Value).Distinct(), "{0} is emitted by both owners with the same value", window);
            }

            var final = first.Concat(second).GroupBy(r => (r.Key, r.Window)).ToDictionary(g => g.Key, g => g.Last().Value);
            final.Should().BeEquivalentTo(expected.GroupBy(r => (r.Key, r.Window)).ToDictionary(g => g.Key, g => g.Last().Value));
        }

        restoredSomething.Should().BeGreaterThan(5, "most moves carry open windows");
    }

    [Fact]
    public void TumblingWindows_MoveWithTheirPartitions() => CheckWindows(Tumbling);

    [Fact]
    public void Sessions_MoveWithTheirPartitions() => CheckWindows(Sessions);

    [Fact]
    public void ProcessFunctionState_AndTimers_MoveWithTheirPartitions()
    {
        foreach (var (expected, first, second, restored) in Move(Process))
        {
            restored.Should().BeGreaterThan(0);
            first.Concat(second).Distinct().Order().Should().Equal(expected.Distinct().Order(), "every result is one the uninterrupted function emits, and none is missing");
        }
    }

    [Fact]
    public void AtTheEndOfInput_OwnedPartitionsAreDropped_NotFiredWithPartOfTheirElements()
    {
        var store = new PartitionStateStore(CheckpointStorage.Directory(_root), NullLogger.Instance);
        var exchange = new Exchange();
        var h = Tumbling();
        ((ICheckpointedStage)h.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", 128, 0, 1, new Receiver(store, () => 0), new PartitionedStateBinding(exchange, store));
        h.Handover(new PartitionHandover(exchange, [(0, null), (1, null)], []));
        h.Element("a1", 3).Element("b1", 14).Element("a2", 15).Watermark(12);
        h.Output.Values.Should().ContainSingle().Which.Should().Be(new WindowResult<string, long>("a", new Window(0, 10), 1, PaneTiming.OnTime, 0));
        h.End();
        h.Output.Values.Should().HaveCount(1, "windows open at a drain stay in the storage for the partition's next owner");
        h.State.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void AtTheEndOfInput_OwnedPartitionsAreSnapshottedBeforeTheyAreDropped_ForEveryCheckpointThatCompletesAfterwards()
    {
        var store = new PartitionStateStore(CheckpointStorage.Directory(_root), NullLogger.Instance);
        var exchange = new Exchange();
        var binding = new PartitionedStateBinding(exchange, store);
        var receiver = new Receiver(store, () => 7, final: 3);
        var h = Tumbling();
        ((ICheckpointedStage)h.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", 128, 0, 1, receiver, binding);
        h.Handover(new PartitionHandover(exchange, [(0, null), (1, null)], []));
        h.Element("a1", 3).Element("b1", 14).Element("a2", 15).Watermark(12);

        h.Watermark(long.MaxValue); // the drain: +∞ comes first, then the barriers of checkpoints taken meanwhile, then the end
        h.Barrier(2);
        h.End();

        h.Output.Values.Should().ContainSingle("the windows open at the drain are not fired");
        h.State.Keys.Count.Should().Be(0);
        receiver.Written.Select(w => (w.Checkpoint, w.Partition)).Should().BeEquivalentTo([(2L, 0), (2L, 1), (3L, 0), (3L, 1)],
            "a checkpoint completing during the drain and the final one (3) both store the partitions as they were at the end of input");
        receiver.Written.Where(w => w.Checkpoint == 3).Select(w => w.Snapshot).Should().BeEquivalentTo(receiver.Written.Where(w => w.Checkpoint == 2).Select(w => w.Snapshot));

        var next = Tumbling();
        ((ICheckpointedStage)next.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", 128, 0, 1, new Receiver(store, () => 0), binding);
        next.Handover(new PartitionHandover(exchange, [(0, 7), (1, 7)], []));
        next.Watermark(End);
        next.Output.Values.Should().BeEquivalentTo(
            [new WindowResult<string, long>("a", new Window(10, 20), 1, PaneTiming.OnTime, 0), new WindowResult<string, long>("b", new Window(10, 20), 1, PaneTiming.OnTime, 0)],
            "the next owner restores the state of the end of input, with the elements read after the watermark 12");
    }

    [Fact]
    public void AHandoverOfAnotherSource_IsIgnored_AndNoHandoverIsPassedOn()
    {
        var store = new PartitionStateStore(CheckpointStorage.Directory(_root), NullLogger.Instance);
        var exchange = new Exchange();
        var h = Tumbling();
        ((ICheckpointedStage)h.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", 128, 0, 1, new Receiver(store, () => 0), new PartitionedStateBinding(exchange, store));
        h.Handover(new PartitionHandover(exchange, [(0, null)], []));
        h.Element("a1", 3);
        h.Handover(new PartitionHandover(new Exchange(), [], [0]));
        h.State.Keys.Count.Should().Be(1);
        h.Output.Handovers.Should().BeEmpty();
    }
}
