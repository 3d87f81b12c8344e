using Pipelines.Checkpoints.Storage;
using Pipelines.Plan;
using Pipelines.Tests.Checkpoints.Upgrades;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Streaming;

/// <summary>
/// A sink fed by one task runs inside it under the streaming executor (<see cref="StreamingOptions.ChainSinks"/>):
/// which sinks qualify, and that a run writes the same with the sink in its producer's task as with a task of its
/// own — through asynchronous writes, behind a one-worker stage, into two sinks of one source with a final
/// checkpoint, and when the sink fails.
/// </summary>
public sealed class ChainedSinkTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-chained-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    public static TheoryData<bool> Chaining => new() { true, false };

    [Fact]
    public void OnlyASinkWithOneProducerWorker_OverOneEdgeThatRoutesNoKey_CanRunInItsProducer()
    {
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable(Enumerable.Range(0, 10), "numbers"));
        var other = p.From(Sources.Enumerable(Enumerable.Range(0, 10), "other"));
        numbers.Select(i => i + 1).To(Sinks.Action<int>(_ => { }, "direct"));
        numbers.Union(other).To(Sinks.Action<int>(_ => { }, "union"));
        var counts = numbers.WithEventTime(i => T0.AddSeconds(i), Watermarks.Monotonic())
            .KeyBy(i => i % 3).Window(Windows.Tumbling(TimeSpan.FromSeconds(5))).Count();
        counts.To(Sinks.Action<WindowResult<int, long>>(_ => { }, "counts"));

        bool CanRun(PhysicalPlan plan, string sink) => plan.Stages.Single(s => s.IsSink && s.Node is ISinkNode { SinkName: var name } && name == sink).CanRunInProducer;

        var pipeline = p.Build();
        var two = PhysicalPlan.Create(pipeline, keyedParallelism: 2);
        CanRun(two, "direct").Should().BeTrue("one source task feeds it");
        CanRun(two, "union").Should().BeFalse("two source tasks feed it");
        CanRun(two, "counts").Should().BeFalse("two workers of the keyed stage feed it");
        two.Stages.Where(s => !s.IsSink).Should().OnlyContain(s => !s.CanRunInProducer, "only sinks are chained");
        CanRun(PhysicalPlan.Create(pipeline, keyedParallelism: 1), "counts").Should().BeTrue("the one worker of the keyed stage feeds it");
    }

    [Theory]
    [MemberData(nameof(Chaining))]
    public async Task AnAsynchronousSink_GetsEveryElementInOrder(bool chain)
    {
        var written = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 20_000), "numbers"))
            .Where(i => i % 7 != 0).Select(i => i * 2)
            .To(Sinks.Action<int>(async (i, ct) =>
            {
                if (i % 50 == 0) await Task.Yield();
                written.Add(i);
            }, "slow"));

        var summary = await new StreamingExecutor(new StreamingOptions { ChainSinks = chain, MaxBatchSize = 64, ChannelCapacity = 2 }).RunAsync(p.Build()).WaitAsync(HangGuard);

        written.Should().Equal(Enumerable.Range(0, 20_000).Where(i => i % 7 != 0).Select(i => i * 2));
        summary.ResultsWritten.Should().Be(written.Count);
    }

    [Theory]
    [MemberData(nameof(Chaining))]
    public async Task ASinkBehindAOneWorkerStage_GetsWhatTheStageEmitsAfterItsInputEnded(bool chain)
    {
        // The results of SelectAsync come out while the stage drains, after the end of its input reached it.
        var sink = new CompletingSink();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 500), "numbers"))
            .SelectAsync(async (i, ct) =>
            {
                await Task.Delay(i % 5 == 0 ? 1 : 0, ct);
                return $"#{i}";
            }, maxConcurrency: 8)
            .To(sink);

        await new StreamingExecutor(new StreamingOptions { ChainSinks = chain, MaxBatchSize = 32, ChannelCapacity = 1 }).RunAsync(p.Build()).WaitAsync(HangGuard);

        sink.Completed.Should().BeTrue("the sink's writer completes once the end has reached it");
        sink.Written.Should().Equal(Enumerable.Range(0, 500).Select(i => $"#{i}"));
    }

    /// <summary>Writes asynchronously into a list the run cannot see completed until the writer's <c>CompleteAsync</c> has run.</summary>
    private sealed class CompletingSink : Sink<string>
    {
        public List<string> Written { get; } = [];

        public bool Completed { get; private set; }

        public override string Name => "completing";

        public override ValueTask<SinkWriter<string>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(CompletingSink sink) : SinkWriter<string>
        {
            public override async ValueTask WriteAsync(ReadOnlyMemory<string> items, CancellationToken cancellationToken)
            {
                await Task.Yield();
                sink.Written.AddRange(items.Span);
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                sink.Completed = true;
                return default;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Chaining))]
    public async Task TwoSinksOfOneSource_WithAFinalCheckpoint_BothCommitEverything(bool chain)
    {
        // Each sink completes only once the final checkpoint is stored, which needs the other to have passed it: the
        // task they both run in must let both pre-commit before it waits for either.
        var events = Orders.Events(seed: 7, count: 1500);
        var big = new Transactional<Ev>();
        var small = new Transactional<Ev>();
        var p = new PipelineBuilder("chained-final");
        var input = p.From(new EventSource(events)).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        input.Where(e => e.Value >= 5).To(new TransactionalSink<Ev>(big, "big"));
        input.Where(e => e.Value < 5).To(new TransactionalSink<Ev>(small, "small"));
        var options = new StreamingOptions
        {
            ChainSinks = chain,
            Parallelism = 1,
            CheckpointStorage = CheckpointStorage.Directory(_directory),
            CheckpointInterval = Timeout.InfiniteTimeSpan,
            IdleTimeout = Timeout.InfiniteTimeSpan,
        };

        var summary = await new StreamingExecutor(options).RunAsync(p.Build()).WaitAsync(HangGuard);

        big.CommittedNow().Should().Equal(events.Where(e => e.Value >= 5));
        small.CommittedNow().Should().Equal(events.Where(e => e.Value < 5));
        summary.CheckpointsCompleted.Should().BeGreaterThan(0, "the drained run takes a final checkpoint");
        big.CommittedCheckpoints.Should().Contain(summary.CheckpointsCompleted);
        small.CommittedCheckpoints.Should().Contain(summary.CheckpointsCompleted);
    }

    [Theory]
    [MemberData(nameof(Chaining))]
    public async Task AFailingSink_FailsTheRun_NamingTheSink(bool chain)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 1000), "numbers"))
            .To(Sinks.Action<int>(async (i, ct) =>
            {
                await Task.Yield();
                if (i == 600) throw new IOException("disk full");
            }, "archive"));

        var run = () => new StreamingExecutor(new StreamingOptions { ChainSinks = chain, MaxBatchSize = 50 }).RunAsync(p.Build()).WaitAsync(HangGuard);

        var failure = await run.Should().ThrowAsync<PipelineExecutionException>();
        failure.Which.Message.Should().Contain("archive");
        failure.Which.InnerException.Should().BeOfType<IOException>();
    }
}
