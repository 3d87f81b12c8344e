using Microsoft.Extensions.Time.Testing;
using Pipelines.Operators;
using Pipelines.Tests.Checkpoints.Upgrades;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// <c>Buffer</c> and <c>Sample</c> with checkpoints: with a storage what they hold is written at the barrier, which
/// passes at once, so a run that fails after a checkpoint and is restored commits exactly the output of an
/// uninterrupted run through a two-phase sink, and a savepoint does not wait for a list to fill; without a storage a
/// barrier never lets an element that came after it out ahead of it.
/// </summary>
public sealed class BufferSampleCheckpointTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-held-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private StreamingOptions Options(FakeTimeProvider clock) => new()
    {
        CheckpointStorage = CheckpointStorage.Directory(_directory),
        CheckpointInterval = TimeSpan.FromSeconds(1),
        TimeProvider = clock,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        MaxBatchSize = 8,
    };

    [Fact]
    public async Task Buffer_WithStorage_FailingAfterACheckpoint_AndRestarted_CommitsTheListsOfAnUninterruptedRun_EachOnce()
    {
        var data = Enumerable.Range(0, 1000).Select(i => Ev.At("k" + (i % 7), i, i)).ToList();
        var expected = data.Chunk(100).Select(Describe).ToList();
        var output = new Transactional<string>();
        var clock = new FakeTimeProvider(Ev.T0);
        Pipeline Build(PacedSource<Ev> source)
        {
            var p = new PipelineBuilder("buffer-restore");
            p.From(source).Uid("events").Buffer(100).Uid("lists").Select(Describe).To(new TransactionalSink<string>(output));
            return p.Build();
        }

        // A checkpoint every 37 elements, so barriers fall inside lists; the run fails at element 650.
        var failing = new PacedSource<Ev>(data, clock, n => n % 37 == 0 ? 1 : 0, () => Volatile.Read(ref output.Settled), failAt: 650);
        var act = () => new StreamingExecutor(Options(clock)).RunAsync(Build(failing)).WaitAsync(Deadline);
        await act.Should().ThrowAsync<PipelineExecutionException>().WithMessage("*injected failure at element 650*");
        var beforeRestart = output.CommittedNow();
        beforeRestart.Should().NotBeEmpty("lists were committed checkpoint by checkpoint before the failure");

        var source = new PacedSource<Ev>(data, clock, n => n % 37 == 0 ? 1 : 0, () => Volatile.Read(ref output.Settled));
        await new StreamingExecutor(Options(clock)).RunAsync(Build(source)).WaitAsync(Deadline);

        source.Opened.Should().BeGreaterThan(0).And.BeLessThan(650);
        (source.Opened % 100).Should().NotBe(0, "the restore resumes at a checkpoint inside a list, whose first elements the checkpoint holds");
        output.Committed.Should().Equal(expected, "every list of 100 is committed once, the restored ones with the elements held at the checkpoint");
    }

    /// <summary>A list as its first and last values, its size and the sum of its values.</summary>
    private static string Describe(IReadOnlyList<Ev> list) => $"{list[0].Value}..{list[^1].Value} ({list.Count}, sum {list.Sum(e => e.Value)})";

    [Fact]
    public async Task Sample_WithStorage_FailingAfterACheckpoint_AndRestarted_CommitsTheSampleOfEachPeriod_Once()
    {
        // Periods of 3 s on the clock; each period reads two groups of 20 elements with a checkpoint after each, then
        // the clock reaches the period's end (a third checkpoint). The sample of a period is its last element.
        const int group = 20;
        var interval = TimeSpan.FromSeconds(3);
        var data = Enumerable.Range(0, group * 2 * 8).ToList();
        var expected = Enumerable.Range(1, 8).Select(p => p * 2 * group - 1).ToList();
        var output = new Transactional<int>();
        var clock = new FakeTimeProvider(new DateTimeOffset(Ev.T0.UtcTicks - Ev.T0.UtcTicks % interval.Ticks, TimeSpan.Zero));
        Func<int, int> advances = n => n % (2 * group) == 0 ? 2 : n % group == 0 ? 1 : 0;
        Pipeline Build(PacedSource<int> source)
        {
            var p = new PipelineBuilder("sample-restore");
            p.From(source).Uid("numbers").Sample(interval).Uid("samples").To(new TransactionalSink<int>(output));
            return p.Build();
        }

        // The run fails in the first group of the fourth period: checkpoints after periods' first groups have held an element.
        int failAt = 3 * 2 * group + 5;
        var failing = new PacedSource<int>(data, clock, advances, () => Volatile.Read(ref output.Settled), failAt);
        var act = () => new StreamingExecutor(Options(clock)).RunAsync(Build(failing)).WaitAsync(Deadline);
        await act.Should().ThrowAsync<PipelineExecutionException>().WithMessage($"*injected failure at element {failAt}*");
        output.CommittedNow().Should().NotBeEmpty();

        var source = new PacedSource<int>(data, clock, advances, () => Volatile.Read(ref output.Settled));
        await new StreamingExecutor(Options(clock)).RunAsync(Build(source)).WaitAsync(Deadline);

        source.Opened.Should().BeGreaterThan(0);
        output.Committed.Should().Equal(expected, "each period's sample is committed once");
    }

    [Fact]
    public async Task StopWithSavepoint_WithAPartlyFilledBuffer_Returns_AndTheRestartEmitsTheHeldElements()
    {
        var data = Enumerable.Range(0, 500).ToList();
        var output = new Transactional<string>();
        var options = new StreamingOptions
        {
            CheckpointStorage = CheckpointStorage.Directory(_directory),
            CheckpointInterval = Timeout.InfiniteTimeSpan,
            IdleTimeout = Timeout.InfiniteTimeSpan,
        };
        Pipeline Build(PacedSource<int> source)
        {
            var p = new PipelineBuilder("buffer-savepoint");
            p.From(source).Uid("numbers").Buffer(100).Uid("lists").Select(l => $"{l[0]}..{l[^1]} ({l.Count})").To(new TransactionalSink<string>(output));
            return p.Build();
        }

        var first = new PacedSource<int>(data, limit: 250);
        var run = new StreamingExecutor(options).Start(Build(first));
        await Wait.UntilAsync(() => first.Read == 250, run, "250 elements read");

        var savepoint = await run.StopWithSavepointAsync().WaitAsync(TimeSpan.FromSeconds(30));

        savepoint.Summary.ElementsRead.Should().Be(250);
        output.CommittedNow().Should().Equal(["0..99 (100)", "100..199 (100)"], "the 50 elements of the third list are held in the savepoint, not emitted");
        var second = new PacedSource<int>(data);
        await new StreamingExecutor(options).RunAsync(Build(second)).WaitAsync(Deadline);
        second.Opened.Should().Be(250);
        output.Committed.Should().Equal(["0..99 (100)", "100..199 (100)", "200..299 (100)", "300..399 (100)", "400..499 (100)"]);
    }

    [Fact]
    public void Sample_WithoutStorage_PassesABarrier_BeforeItTakesALaterElementOfThePeriod()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Ev.T0.UtcTicks - Ev.T0.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero));
        var harness = new OperatorHarness<string, int>((_, output) => new Sample<int>(TimeSpan.FromSeconds(1), clock, output));

        harness.Element(1, 10).Barrier(7);
        harness.Output.Barriers.Should().BeEmpty("element 1 from before the barrier is held");

        harness.Element(2, 20);
        harness.Output.Barriers.Should().Equal([7L], "element 2 replaces element 1: nothing from before the barrier is held any more");
        harness.Output.Values.Should().BeEmpty("element 2 comes after the barrier, so it is still held");

        clock.Advance(TimeSpan.FromSeconds(1));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().Equal(2);
        harness.Barrier(8);
        harness.Output.Barriers.Should().Equal(7L, 8L);
    }

    [Fact]
    public void Snapshots_RestoreWhatWasHeld_AndRefuseAnotherElementType()
    {
        var snapshots = new Snapshots();
        var serializers = new Pipelines.Checkpoints.Serialization.StateSerializerRegistry();
        var first = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(3, null, TimeProvider.System, output));
        ((Pipelines.Checkpoints.ICheckpointedStage)first.Operator).EnableCheckpoints(serializers, "lists", 128, 0, 1, snapshots);
        first.Element(1, 10).Element(2, 20).Barrier(4);
        first.Output.Barriers.Should().Equal(4L);
        first.Output.Values.Should().BeEmpty("with storage the held elements go into the checkpoint");

        var restored = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(3, null, TimeProvider.System, output));
        ((Pipelines.Checkpoints.ICheckpointedStage)restored.Operator).EnableCheckpoints(serializers, "lists", 128, 0, 1, snapshots);
        ((Pipelines.Checkpoints.ICheckpointedStage)restored.Operator).Restore([snapshots.Taken[4]]);
        restored.Element(3, 30);
        restored.Output.Elements.Should().ContainSingle().Which.Should().Match<(IReadOnlyList<int> Value, long Timestamp)>(e => e.Value.SequenceEqual(new[] { 1, 2, 3 }) && e.Timestamp == 30);

        var other = new OperatorHarness<string, IReadOnlyList<string>>((_, output) => new Buffer<string>(3, null, TimeProvider.System, output));
        ((Pipelines.Checkpoints.ICheckpointedStage)other.Operator).EnableCheckpoints(serializers, "lists", 128, 0, 1, snapshots);
        var act = () => ((Pipelines.Checkpoints.ICheckpointedStage)other.Operator).Restore([snapshots.Taken[4]]);
        act.Should().Throw<InvalidOperationException>().WithMessage("Operator 'lists' cannot restore the elements it held*System.Int32 and are now System.String*");
    }

    private sealed class Snapshots : Pipelines.Checkpoints.ISnapshotReceiver
    {
        public Dictionary<long, byte[]> Taken { get; } = [];

        public long FinalCheckpoint => 0;

        public void OnSnapshot(long checkpoint, int worker, byte[] snapshot) => Taken[checkpoint] = snapshot;
    }
}
