using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// Failure injection in the manner of Flink's <c>EventTimeWindowCheckpointingITCase</c>: a pipeline with keyed
/// windows (or a process function) whose source fails after a random number of elements is restarted from its
/// checkpoint storage, again and again, until it finishes. Its two-phase-commit sink then holds every result of
/// an uninterrupted run exactly once, with the exact value.
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

    /// <summary>
    /// The outside system a two-phase-commit sink writes to, which outlives every run: committed results, and what
    /// each checkpoint pre-committed (staged, invisible).
    /// </summary>
    private sealed class Transactional<T>
    {
        public readonly Lock Gate = new();
        public readonly List<T> Committed = [];
        public readonly SortedDictionary<long, List<T>> Staged = [];
        public int Commits;

        public void CommitUpTo(long checkpoint)
        {
            lock (Gate)
            {
                foreach (long id in Staged.Keys.Where(k => k <= checkpoint).ToList())
                {
                    Committed.AddRange(Staged[id]);
                    Staged.Remove(id);
                }
            }
        }
    }

    private sealed class TransactionalSink<T>(Transactional<T> target) : Sink<T>
    {
        public override string Name => "transactional";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(target));

        private sealed class Writer(Transactional<T> target) : SinkWriter<T>
        {
            private List<T> _open = [];

            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                _open.AddRange(items.Span);
                return default;
            }

            public override ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
            {
                lock (target.Gate) target.Staged[checkpointId] = _open;
                _open = [];
                return default;
            }

            public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
            {
                target.CommitUpTo(checkpointId);
                Interlocked.Increment(ref target.Commits);
                return default;
            }

            public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
            {
                target.CommitUpTo(restoredCheckpointId ?? 0);
                lock (target.Gate) target.Staged.Clear();
                return default;
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                target.CommitUpTo(long.MaxValue);
                lock (target.Gate) target.Committed.AddRange(_open);
                _open = [];
                return default;
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

    private static PipelineBuilder Windowed<TOut>(Source<Ev> source, Sink<(string, DateTimeOffset, long)> sink)
    {
        var p = new PipelineBuilder("recovery");
        p.From(source)
            .WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(30)))
            .Aggregate(Aggregations.Sum<Ev, long>(e => e.Value))
            .Select(r => (r.Key, r.Window.Start, r.Value))
            .To(sink);
        return p;
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
        await new BoundedExecutor().RunAsync(Windowed<long>(Sources.Enumerable(events), Sinks.Collection(expected)).Build());

        var random = new Random(seed * 7919);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var failures = new List<int> { random.Next(600, 1400), random.Next(1500, 2400) };
        int runs = 0, committedAfterFirstFailure = -1;
        while (true)
        {
            runs++;
            var clock = new FakeTimeProvider(Ev.T0);
            int failAt = failures.Count > 0 ? failures[0] : -1;
            var source = new ReplaySource(events, clock, failAt, tick: 50, () => Volatile.Read(ref output.Commits));
            var options = new StreamingOptions
            {
                Parallelism = parallelism[Math.Min(runs, 3) - 1],
                CheckpointStorage = CheckpointStorage.Directory(_directory),
                CheckpointInterval = TimeSpan.FromSeconds(1),
                TimeProvider = clock,
                IdleTimeout = Timeout.InfiniteTimeSpan,
            };
            try
            {
                await new StreamingExecutor(options).RunAsync(Windowed<long>(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)).Build());
                failures.Should().BeEmpty("the run fails where the source is told to");
                lock (output.Gate) log.WriteLine($"run {runs}: opened at {source.Opened}, committed {output.Committed.Count}, final");
                break;
            }
            catch (PipelineExecutionException ex) when (ex.ToString().Contains("injected failure", StringComparison.Ordinal))
            {
                failures.RemoveAt(0);
                if (committedAfterFirstFailure < 0) lock (output.Gate) committedAfterFirstFailure = output.Committed.Count;
            }

            lock (output.Gate) log.WriteLine($"run {runs}: opened at {source.Opened}, committed {output.Committed.Count}, staged {string.Join(",", output.Staged.Keys)}, dirs {string.Join(",", Directory.Exists(_directory) ? Directory.GetDirectories(_directory).Select(Path.GetFileName) : [])}");
            runs.Should().BeLessThan(5);
        }

        foreach (var g in output.Committed.GroupBy(r => (r.Item1, r.Item2)).Where(g => g.Count() > 1).Take(5))
        {
            log.WriteLine($"dup {g.Key}: {string.Join(",", g.Select(r => r.Item3))} expected {string.Join(",", expected.Where(e => (e.Item1, e.Item2) == g.Key).Select(e => e.Item3))}");
        }

        foreach (var e in expected.Except(output.Committed).Take(5)) log.WriteLine($"missing {e}");
        runs.Should().Be(3);
        committedAfterFirstFailure.Should().BeGreaterThan(0, "results are committed during the run, checkpoint by checkpoint, not only at its end");
        output.Committed.Should().HaveCount(expected.Count, "no result is lost or written twice");
        output.Committed.Should().BeEquivalentTo(expected);
    }
}
