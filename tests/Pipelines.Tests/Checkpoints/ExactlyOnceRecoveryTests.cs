using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Failure injection in the manner of Flink's <c>EventTimeWindowCheckpointingITCase</c>: a pipeline with keyed
/// windows, sessions, a window join, an interval join, a keyed process function with timers or global windows
/// with early panes, whose source, operator or sink fails after a random number of elements, is restarted from its
/// checkpoint storage (under another parallelism), again and again, until it finishes. Its two-phase-commit sink
/// then holds every result of an uninterrupted run exactly once, with the exact value.
/// </summary>
public sealed class ExactlyOnceRecoveryTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-recovery-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Where a source resumes: the index of the next element.</summary>
    public sealed record ReplayPosition(int Next);

    /// <summary>
    /// A source over a fixed list that can resume at an index, advances the fake clock by a second every
    /// <c>tick</c> elements (so checkpoints happen while it is read), and throws after <c>failAt</c> elements.
    /// </summary>
    private sealed class ReplaySource(IReadOnlyList<Ev> data, FakeTimeProvider clock, int failAt, int tick, Func<int> checkpointsCommitted) : Source<Ev, ReplayPosition>
    {
        public override string Name => "replay";

        public override bool IsBounded => true;

        public int Opened { get; private set; } = -1;

        private IReadOnlyList<Ev> Data => data;

        private FakeTimeProvider Clock => clock;

        private int FailAt => failAt;

        private int Tick => tick;

        private Func<int> Committed => checkpointsCommitted;

        public override ValueTask<SourceReader<Ev, ReplayPosition>> OpenAsync(SourceContext context, ReplayPosition? position, CancellationToken cancellationToken)
        {
            Opened = position?.Next ?? 0;
            return new(new Reader(this, Opened));
        }

        /// <summary>
        /// After each second of the clock the reader waits (a second of real time at most) for the checkpoint it
        /// triggered to commit, so every run makes progress in checkpoints however the machine schedules the tasks.
        /// </summary>
        private sealed class Reader(ReplaySource source, int next) : SourceReader<Ev, ReplayPosition>
        {
            private int _awaitCommitsAbove = -1;

            public override bool CommitsDuringRun => false;

            public override ReplayPosition CapturePosition() => new(next);

            public override ValueTask CommitAsync(ReplayPosition position, CancellationToken cancellationToken) => default;

            public override int TryRead(Span<Ev> destination)
            {
                if (_awaitCommitsAbove >= 0) return 0;
                int n = 0;
                while (n < Math.Min(destination.Length, 5) && next < source.Data.Count)
                {
                    if (next == source.FailAt) throw new IOException($"injected failure at element {next}");
                    destination[n++] = source.Data[next++];
                    if (next % source.Tick == 0)
                    {
                        _awaitCommitsAbove = source.Committed();
                        source.Clock.Advance(TimeSpan.FromSeconds(1));
                        break;
                    }
                }

                return n;
            }

            public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
            {
                if (_awaitCommitsAbove >= 0)
                {
                    var until = DateTime.UtcNow.AddSeconds(1);
                    while (source.Committed() <= _awaitCommitsAbove && DateTime.UtcNow < until) await Task.Delay(1, cancellationToken);
                    _awaitCommitsAbove = -1;
                }

                return next < source.Data.Count;
            }
        }
    }

    /// <summary>Events of 40 keys over 10 minutes, disordered by up to 2 seconds, with values 1..9.</summary>
    private static List<Ev> Events(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 3000)
            .Select(i => Ev.At("k" + random.Next(40), (i * 0.2) + random.NextDouble() * 2, random.Next(1, 10)))];
    }

    /// <summary>Where the injected failure happens.</summary>
    public enum FailurePoint
    {
        /// <summary>The source throws while it reads.</summary>
        Source,

        /// <summary>An operator after the source throws on an element.</summary>
        Operator,

        /// <summary>The sink throws on a write.</summary>
        Sink,
    }

    /// <summary>Keyed tumbling windows summing values.</summary>
    private static DataStream<(string, DateTimeOffset, long)> Tumbling(DataStream<Ev> events) =>
        events.KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(30)))
            .Aggregate(Aggregations.Sum<Ev, long>(e => e.Value))
            .Select(r => (r.Key, r.Window.Start, r.Value));

    /// <summary>The pipeline shapes whose state checkpoints must restore exactly, each writing its results as text.</summary>
    private static DataStream<string> Shape(string shape, DataStream<Ev> events) => shape switch
    {
        "session" => events.KeyBy(e => e.Key)
            .Window(Windows.Session(TimeSpan.FromSeconds(6)))
            .Aggregate(Aggregations.Sum<Ev, long>(e => e.Value))
            .Select(r => $"{r.Key} {r.Window} {r.Value}"),
        "window-join" => events.Where(e => e.Value % 2 == 0).KeyBy(e => e.Key)
            .Join(events.Where(e => e.Value % 2 == 1).KeyBy(e => e.Key), Windows.Tumbling(TimeSpan.FromSeconds(30)), (l, r) => $"{l} + {r}"),
        "interval-join" => events.Where(e => e.Value % 2 == 0).KeyBy(e => e.Key)
            .IntervalJoin(events.Where(e => e.Value % 2 == 1).KeyBy(e => e.Key), TimeSpan.FromSeconds(-4), TimeSpan.FromSeconds(4), (l, r) => $"{l} + {r}"),
        "process" => events.KeyBy(e => e.Key).Process(() => new TotalsEveryTenSeconds()),
        "global" => events.KeyBy(e => e.Key)
            .Window(Windows.Global())
            .EarlyResults(7)
            .Aggregate(Aggregations.Sum<Ev, long>(e => e.Value))
            .Select(r => $"{r.Key} {r.Timing} #{r.PaneIndex} {r.Value}"),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "no such shape"),
    };

    /// <summary>
    /// A keyed process function with state and event-time timers: sums a key's values, and ten seconds of event
    /// time after the first element since its last report, reports the sum and how many elements it holds.
    /// </summary>
    private sealed class TotalsEveryTenSeconds : KeyedProcessFunction<string, Ev, string>
    {
        private ValueState<long> _sum = null!;
        private ValueState<int> _count = null!;
        private ValueState<DateTimeOffset> _timer = null!;

        public override void Open(KeyedStateRegistry state)
        {
            _sum = state.Value<long>("sum");
            _count = state.Value<int>("count");
            _timer = state.Value<DateTimeOffset>("timer");
        }

        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
        {
            _sum.Value = _sum.GetValueOrDefault(0) + element.Value;
            _count.Value = _count.GetValueOrDefault(0) + 1;
            if (_timer.HasValue) return;
            _timer.Value = element.Time.AddSeconds(10);
            context.RegisterEventTimeTimer(_timer.Value);
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context)
        {
            context.Emit($"{context.Key} {time:O} {_sum.Value} ({_count.Value})");
            _count.Clear();
            _timer.Clear();
        }
    }

    private sealed record Outcome<T>(List<T> Committed, int Runs, int CommittedAfterFirstFailure);

    /// <summary>
    /// Runs <paramref name="shape"/> over <paramref name="events"/> with a checkpoint storage, failing at
    /// <paramref name="point"/> after each count of <paramref name="failures"/> (one run per failure, each restored
    /// from the storage under the next of <paramref name="parallelism"/>), then once more to the end.
    /// </summary>
    private async Task<Outcome<T>> RunWithFailuresAsync<T>(List<Ev> events, Func<DataStream<Ev>, DataStream<T>> shape, FailurePoint point, List<int> failures, int[] parallelism, string storage)
    {
        var output = new Transactional<T>();
        int runs = 0, committedAfterFirstFailure = -1;
        while (true)
        {
            runs++;
            var clock = new FakeTimeProvider(Ev.T0);
            int failAt = failures.Count > 0 ? failures[0] : -1;
            int seen = 0;
            var source = new ReplaySource(events, clock, point == FailurePoint.Source ? failAt : -1, tick: 50, () => Volatile.Read(ref output.Settled));
            var sink = new TransactionalSink<T>(output, failAt: point == FailurePoint.Sink ? failAt : -1);
            var p = new PipelineBuilder("recovery");
            // The operator is there in every run (also when it does not fail), so the pipeline keeps its shape and operator ids.
            int operatorFailAt = point == FailurePoint.Operator ? failAt : -1;
            var read = p.From(source).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)))
                .Select(e => Interlocked.Increment(ref seen) == operatorFailAt ? throw new IOException($"injected failure at element {operatorFailAt}") : e);

            shape(read).To(sink);
            var options = new StreamingOptions
            {
                Parallelism = parallelism[Math.Min(runs, parallelism.Length) - 1],
                CheckpointStorage = CheckpointStorage.Directory(storage),
                CheckpointInterval = TimeSpan.FromSeconds(1),
                TimeProvider = clock,
                IdleTimeout = Timeout.InfiniteTimeSpan,
            };
            try
            {
                await new StreamingExecutor(options).RunAsync(p.Build());
                failures.Should().BeEmpty("the run fails where it is told to");
                lock (output.Gate) log.WriteLine($"run {runs}: opened at {source.Opened}, committed {output.Committed.Count}, final");
                break;
            }
            catch (PipelineExecutionException ex) when (ex.ToString().Contains("injected failure", StringComparison.Ordinal))
            {
                failures.RemoveAt(0);
                if (committedAfterFirstFailure < 0) lock (output.Gate) committedAfterFirstFailure = output.Committed.Count;
            }

            lock (output.Gate) log.WriteLine($"run {runs}: failed at {point} {failAt}, opened at {source.Opened}, committed {output.Committed.Count}, staged {string.Join(",", output.Staged.Keys)}");
            runs.Should().BeLessThan(5);
        }

        return new Outcome<T>(output.Committed, runs, committedAfterFirstFailure);
    }

    private void LogDifferences<T>(List<T> actual, List<T> expected)
    {
        foreach (var g in actual.GroupBy(r => r).Where(g => g.Count() > expected.Count(e => Equals(e, g.Key))).Take(5)) log.WriteLine($"too often: {g.Key}");
        foreach (var e in expected.Except(actual).Take(5)) log.WriteLine($"missing: {e}");
    }

    /// <summary>Three runs (two killed), each with its own parallelism: state moves between workers by key group.</summary>
    [Theory]
    [InlineData(1, 1, 3, 2)]
    [InlineData(2, 3, 1, 2)]
    [InlineData(3, 2, 2, 2)]
    public async Task APipelineKilledAtRandomPointsAndRestarted_WritesEveryWindowExactlyOnce(int seed, int first, int second, int third)
    {
        int[] parallelism = [first, second, third];
        var events = Events(seed);
        var expected = new List<(string, DateTimeOffset, long)>();
        var bounded = new PipelineBuilder("recovery");
        Tumbling(bounded.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)))).To(Sinks.Collection(expected));
        await new BoundedExecutor().RunAsync(bounded.Build());

        var random = new Random(seed * 7919);
        var failures = new List<int> { random.Next(600, 1400), random.Next(1500, 2400) };
        var (committed, runs, committedAfterFirstFailure) = await RunWithFailuresAsync(events, Tumbling, FailurePoint.Source, failures, parallelism, _directory);
        LogDifferences(committed, expected);
        runs.Should().Be(3);
        committedAfterFirstFailure.Should().BeGreaterThan(0, "results are committed during the run, checkpoint by checkpoint, not only at its end");
        committed.Should().HaveCount(expected.Count, "no result is lost or written twice");
        committed.Should().BeEquivalentTo(expected);
    }

    /// <summary>
    /// Every stateful shape, failing in the source, an operator or the sink at random points, twice, under
    /// parallelism 2, 3 and 1: the committed output equals an uninterrupted streaming run's, each result once.
    /// </summary>
    [Theory]
    [InlineData("session", FailurePoint.Source, 4)]
    [InlineData("session", FailurePoint.Sink, 5)]
    [InlineData("window-join", FailurePoint.Operator, 6)]
    [InlineData("window-join", FailurePoint.Source, 7)]
    [InlineData("interval-join", FailurePoint.Sink, 8)]
    [InlineData("interval-join", FailurePoint.Operator, 9)]
    [InlineData("process", FailurePoint.Source, 10)]
    [InlineData("process", FailurePoint.Operator, 11)]
    [InlineData("global", FailurePoint.Sink, 12)]
    [InlineData("global", FailurePoint.Source, 13)]
    public async Task EveryStatefulShape_FailingAtRandomPointsAndRestarted_CommitsTheOutputOfAnUninterruptedRunExactlyOnce(string shape, FailurePoint point, int seed)
    {
        var events = Events(seed);
        var uninterrupted = await RunWithFailuresAsync(events, s => Shape(shape, s), point, [], [2], Path.Combine(_directory, "uninterrupted"));
        var expected = uninterrupted.Committed;
        expected.Should().HaveCountGreaterThan(100, "the shape has results to lose or repeat");

        var random = new Random(seed * 7919);
        // The source fails at an index of its input, the others after a number of elements of the run.
        List<int> failures = point switch
        {
            FailurePoint.Source => [random.Next(600, 1400), random.Next(1500, 2400)],
            FailurePoint.Operator => [random.Next(600, 1400), random.Next(200, 1200)],
            _ => [random.Next(expected.Count / 8, expected.Count / 3), random.Next(1, expected.Count / 4)],
        };
        var (committed, runs, committedAfterFirstFailure) = await RunWithFailuresAsync(events, s => Shape(shape, s), point, failures, [2, 3, 1], Path.Combine(_directory, "failing"));
        LogDifferences(committed, expected);

        runs.Should().Be(3);
        committedAfterFirstFailure.Should().BeGreaterThan(0, "results are committed checkpoint by checkpoint during the run");
        committed.Should().HaveCount(expected.Count, "no result is lost or written twice");
        committed.Should().BeEquivalentTo(expected);
    }
}
