using Pipelines.Checkpoints;
using Pipelines.Aggregation;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Operators;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;
using Pipelines.Tests.Processing;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Every keyed stateful operator snapshotted at a barrier at a random point of a disordered input and restored into
/// fresh workers (as many as before, or another number): the restored workers go on to emit exactly what the
/// uninterrupted operator emits after that point.
/// </summary>
public class OperatorCheckpointTests
{
    private const int MaxParallelism = 32;

    /// <summary>One step of input: an element on a port, or a watermark.</summary>
    private sealed record Step(object? Element, long Timestamp, int Port, string? Key, long? Watermark = null);

    private sealed class Snapshots : ISnapshotReceiver
    {
        public List<(long Checkpoint, int Worker, byte[] Bytes)> Taken { get; } = [];

        public long FinalCheckpoint => 0;

        public void OnSnapshot(long checkpoint, int worker, byte[] snapshot) => Taken.Add((checkpoint, worker, snapshot));
    }

    /// <summary>
    /// Elements of keys a..h at disordered times (within 20 ticks of the rising watermark), with watermarks between;
    /// with <paramref name="changes"/>, port 1 carries a changelog of the same keys (inserts, updates, one in five a delete).
    /// </summary>
    private static List<Step> Script(int seed, int count, bool twoPorts, bool changes = false)
    {
        var random = new Random(seed);
        var steps = new List<Step>();
        long clock = 0;
        for (int i = 0; i < count; i++)
        {
            clock += random.Next(0, 4);
            string key = ((char)('a' + random.Next(8))).ToString();
            long ts = clock + random.Next(0, 20);
            int port = twoPorts ? random.Next(2) : 0;
            object element = changes && port == 1
                ? random.Next(5) == 0 ? Change.Delete<string, string>(key, default) : Change.Update(key, $"{key}{i}", default)
                : $"{key}{i}";
            steps.Add(new Step(element, ts, port, key));
            if (random.Next(6) == 0) steps.Add(new Step(null, 0, 0, null, clock));
        }

        return steps;
    }

    private static void Apply<TKey, TOut>(OperatorHarness<TKey, TOut> h, Step step)
        where TKey : notnull
    {
        if (step.Watermark is { } w) h.Watermark(w);
        else if (step.Element is Change<string, string> change) h.Element(change, step.Timestamp, step.Port);
        else h.Element((string)step.Element!, step.Timestamp, step.Port);
    }

    private static void Check<TOut>(Func<OperatorHarness<string, TOut>> create, bool twoPorts, int restoreWorkers, bool changes = false)
    {
        var serializers = new StateSerializerRegistry();
        var hasher = new KeyHasher<string>(serializers.Codec<string>(), MaxParallelism);
        int withState = 0;
        for (int seed = 1; seed <= 12; seed++)
        {
            var script = Script(seed, 300, twoPorts, changes);
            int split = new Random(seed * 31).Next(script.Count);

            var uninterrupted = create();
            foreach (var step in script.Take(split)) Apply(uninterrupted, step);
            var snapshots = new Snapshots();
            ((ICheckpointedStage)uninterrupted.Operator).EnableCheckpoints(serializers, "op", MaxParallelism, 0, 1, snapshots);
            int before = uninterrupted.Output.Elements.Count;
            if (uninterrupted.State.Entries().Any()) withState++;
            uninterrupted.Barrier(1);
            uninterrupted.Output.Barriers.Should().Equal([1L], "with snapshots a barrier passes at once, whatever state is open");
            foreach (var step in script.Skip(split)) Apply(uninterrupted, step);
            uninterrupted.End();
            var expected = uninterrupted.Output.Elements.Skip(before).ToList();

            byte[] snapshot = snapshots.Taken.Single().Bytes;
            var restored = Enumerable.Range(0, restoreWorkers).Select(worker =>
            {
                var h = create();
                var stage = (ICheckpointedStage)h.Operator;
                stage.EnableCheckpoints(serializers, "op", MaxParallelism, worker, restoreWorkers, new Snapshots());
                stage.Restore([snapshot]);
                return h;
            }).ToList();
            foreach (var step in script.Skip(split))
            {
                if (step.Watermark is not null)
                {
                    foreach (var h in restored) Apply(h, step);
                }
                else
                {
                    Apply(restored[KeyGroups.WorkerOf(hasher.KeyGroupOf(step.Key!), MaxParallelism, restoreWorkers)], step);
                }
            }

            foreach (var h in restored) h.End();
            var actual = restored.SelectMany(h => h.Output.Elements).ToList();
            expected.Should().NotBeEmpty();
            if (restoreWorkers == 1) actual.Should().Equal(expected, "seed {0}, split at {1}", seed, split);
            else actual.Select(e => e.ToString()).Order().Should().Equal(expected.Select(e => e.ToString()).Order(), "seed {0}, split at {1}", seed, split);
        }

        withState.Should().BeGreaterThan(8, "most splits fall where the operator holds state");
    }

    private static OperatorHarness<string, WindowResult<string, long>> Tumbling() =>
        new((context, output) => new WindowAggregate<string, string, long, long>(
            s => s[..1],
            Windows.Tumbling(TimeSpan.FromTicks(10)),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default with { AllowedLateness = 15 }, output, null, context),
            context));

    private static OperatorHarness<string, WindowResult<string, double>> Sliding() =>
        new((context, output) => new WindowAggregate<string, string, SumCount, double>(
            s => s[..1],
            Windows.Sliding(TimeSpan.FromTicks(20), TimeSpan.FromTicks(5)),
            new PaneEmitter<string, string, SumCount, double>(new AverageAggregator<string, int>(s => s.Length), TriggerSpec.Default with { AllowedLateness = 5 }, output, null, context),
            context));

    /// <summary>Sliding windows by slices (windows of 20 ticks every 6: slices of 2), summing lengths; restored slices are merged when windows fire.</summary>
    private static OperatorHarness<string, WindowResult<string, int>> SlicedSliding() =>
        new((context, output) => new SlicedWindowAggregate<string, string, int, int>(
            s => s[..1],
            (SlidingWindows)Windows.Sliding(TimeSpan.FromTicks(20), TimeSpan.FromTicks(6)),
            new PaneEmitter<string, string, int, int>(new SumAggregator<string, int>(s => s.Length), TriggerSpec.Default, output, null, context),
            context));

    private static OperatorHarness<string, WindowResult<string, long>> Sessions() =>
        new((context, output) => new SessionWindowAggregate<string, string, long, long>(
            s => s[..1], 6, new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default with { AllowedLateness = 10 }, output, null, context), context));

    private static OperatorHarness<string, WindowResult<string, long>> CountTumbling() =>
        new((context, output) => new CountWindowAggregate<string, string, long, long>(
            s => s[..1], (CountWindows)Windows.Count(4), new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context), context));

    private static OperatorHarness<string, WindowResult<string, string>> CountSliding() =>
        new((context, output) => new CountWindowAggregate<string, string, string, string>(
            s => s[..1], (CountWindows)Windows.Count(5, 2),
            new PaneEmitter<string, string, string, string>(Aggregations.Create("", (string a, string s) => a + s + ";", null, a => a), TriggerSpec.Default, output, null, context), context));

    private static OperatorHarness<string, string> IntervalJoin() =>
        new((context, output) => new IntervalJoin<string, string, string, string>(
            l => l[..1], r => r[..1], lower: -4, upper: 6, allowedLateness: 3, JoinKind.FullOuter, (l, r) => $"{l}+{r}", output, null, null, context));

    private static OperatorHarness<string, string> WindowJoin() =>
        new((context, output) => new WindowJoin<string, string, string, string>(
            l => l[..1], r => r[..1], Windows.Tumbling(TimeSpan.FromTicks(15)), 5, new JoinPairing<string, string, string, string>(JoinKind.LeftOuter, (l, r) => $"{l}+{r}"), output, null, null, context));

    private static OperatorHarness<string, string> TemporalJoin() =>
        new((context, output) => new TemporalJoin<string, string, string, string>(
            l => l[..1], allowedLateness: 4, keepUnmatched: true, (l, row) => $"{l}@{row ?? "none"}", output, null, null, context));

    private static OperatorHarness<string, string> LookupJoin() =>
        new((context, output) => new LookupJoin<string, string, string, string>(
            l => l[..1], keepUnmatched: true, (l, row) => $"{l}@{row ?? "none"}", output, context));

    private static OperatorHarness<string, string> Process() =>
        new((context, output) => new KeyedProcess<string, string, string>(s => s[..1], new CountAndTimeout(), output, TimeProvider.System, context));

    /// <summary>Per key: a count (value state), the elements seen (list state), per-length counts (map state), and an event-time timer 8 ticks after each element that reports them.</summary>
    private sealed class CountAndTimeout : KeyedProcessFunction<string, string, string>
    {
        private ValueState<long> _count = null!;
        private ListState<string> _seen = null!;
        private MapState<int, int> _lengths = null!;

        public override void Open(KeyedStateRegistry state)
        {
            _count = state.Value<long>("count");
            _seen = state.List<string>("seen");
            _lengths = state.Map<int, int>("lengths");
        }

        public override void ProcessElement(string element, KeyedProcessContext<string, string> context)
        {
            _count.Value++;
            _seen.Add(element);
            _lengths.Set(element.Length, _lengths.TryGetValue(element.Length, out int n) ? n + 1 : 1);
            context.RegisterEventTimeTimer(context.Timestamp + TimeSpan.FromTicks(8));
            context.Emit($"{context.Key}:{_count.Value}");
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context) =>
            context.Emit($"{context.Key}@{time.Ticks}:{_count.Value}:{string.Join(",", _seen.Items)}:{_lengths.Count}");
    }

    public static TheoryData<int> Parallelisms => [1, 3];

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void TumblingWindows_RestoreExactly(int workers) => Check(Tumbling, twoPorts: false, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void SlidingWindows_RestoreExactly(int workers) => Check(Sliding, twoPorts: false, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void SlicedSlidingWindows_RestoreExactly(int workers) => Check(SlicedSliding, twoPorts: false, workers);

    [Fact]
    public void SlicedSlidingWindows_LeaveNoSliceOrTimerBehind_AtTheEnd()
    {
        var h = SlicedSliding();
        foreach (var step in Script(seed: 3, count: 400, twoPorts: false)) Apply(h, step);
        h.State.Entries().Should().NotBeEmpty();
        h.End();
        h.State.Entries().Should().BeEmpty("each slice goes when the last window holding it fires");
        h.Timers.Count(TimeDomain.EventTime).Should().Be(0);
        h.State.Keys.Count.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void Sessions_RestoreExactly(int workers) => Check(Sessions, twoPorts: false, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void CountWindows_RestoreExactly(int workers) => Check(CountTumbling, twoPorts: false, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void SlidingCountWindows_RestoreExactly(int workers) => Check(CountSliding, twoPorts: false, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void IntervalJoin_RestoresExactly(int workers) => Check(IntervalJoin, twoPorts: true, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void WindowJoin_RestoresExactly(int workers) => Check(WindowJoin, twoPorts: true, workers);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void TemporalJoin_RestoresVersionsAndWaitingElementsExactly(int workers) => Check(TemporalJoin, twoPorts: true, workers, changes: true);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void LookupJoin_RestoresRowsExactly(int workers) => Check(LookupJoin, twoPorts: true, workers, changes: true);

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public void ProcessFunction_RestoresValueListAndMapStateAndTimers(int workers) => Check(Process, twoPorts: false, workers);

    /// <summary>An operator that keeps a table but declares no checkpoint codec for it.</summary>
    private sealed class Undeclared : KeyedOneInputStage<string, string>
    {
        public Undeclared(OperatorContext context, Output<string> output)
            : base(context, [output]) => State.Values<int>("seen");

        protected override Func<string, string> KeySelector => s => s;

        protected override void OnElement(string value, long timestamp)
        {
        }

        protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
        {
        }
    }

    [Fact]
    public void AnOperatorTableWithoutACodec_IsRefusedWhenCheckpointsAreEnabled_SayingToRunWithoutCheckpointStorage()
    {
        var h = new OperatorHarness<string, string>((context, output) => new Undeclared(context, output));

        FluentActions.Invoking(() => ((ICheckpointedStage)h.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", MaxParallelism, 0, 1, new Snapshots()))
            .Should().Throw<InvalidOperationException>().WithMessage("Operator 'op' (Undeclared) keeps state 'seen' that checkpoints cannot write yet*without StreamingOptions.CheckpointStorage*");
    }

    private sealed class Opaque
    {
        public override string ToString() => "opaque";
    }

    [Fact]
    public void AnOperatorWhoseStateCannotBeSerialized_IsRefusedWhenCheckpointsAreEnabled_NamingItAndTheType()
    {
        var h = new OperatorHarness<string, WindowResult<string, Opaque>>((context, output) => new WindowAggregate<string, string, Opaque, Opaque>(
            s => s,
            Windows.Tumbling(TimeSpan.FromTicks(10)),
            new PaneEmitter<string, string, Opaque, Opaque>(new FunctionAggregator<string, Opaque, Opaque>(new Opaque(), (a, _) => a, null, a => a), TriggerSpec.Default, output, null, context),
            context));

        FluentActions.Invoking(() => ((ICheckpointedStage)h.Operator).EnableCheckpoints(new StateSerializerRegistry(), "op", MaxParallelism, 0, 1, new Snapshots()))
            .Should().Throw<InvalidOperationException>().WithMessage("Operator 'op' keeps state that cannot be checkpointed: its accumulator type Opaque has no public property or field*");
    }
}
