namespace Pipelines.Tests.Checkpoints;

/// <summary>A run that stores checkpoints starts each sink writer with the run's checkpoint settings (<see cref="SinkCheckpointContext"/>).</summary>
public sealed class SinkCheckpointContextTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-sink-context-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private sealed class ContextSink(string name = "context") : Sink<int>
    {
        public List<SinkCheckpointContext> Contexts { get; } = [];

        public override string Name => name;

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(ContextSink sink) : SinkWriter<int>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<int> items, CancellationToken cancellationToken) => default;

            public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
            {
                sink.Contexts.Add(context);
                return default;
            }
        }
    }

    [Fact]
    public async Task AWriter_StartsWithTheRunsCheckpointIntervalAndToleratedFailures_BeforeItWrites()
    {
        var sink = new ContextSink();
        var p = new PipelineBuilder("sink-context");
        p.From(Sources.Enumerable(Enumerable.Range(0, 5))).To(sink);
        var options = new StreamingOptions
        {
            CheckpointInterval = TimeSpan.FromSeconds(7),
            TolerableCheckpointFailures = 2,
            CheckpointStorage = CheckpointStorage.Directory(_directory),
        };

        await new StreamingExecutor(options).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        var context = sink.Contexts.Should().ContainSingle().Subject;
        context.CheckpointInterval.Should().Be(TimeSpan.FromSeconds(7));
        context.TolerableCheckpointFailures.Should().Be(2);
        context.RestoredCheckpointId.Should().BeNull("the storage held no checkpoint");
    }

    [Fact]
    public async Task AfterMovingState_IsSetOnlyForSinksDownstreamOfAKeyedStageWhoseStateMovesWithItsPartitions()
    {
        var (after, further, beside) = (new ContextSink("after"), new ContextSink("further"), new ContextSink("beside"));
        var p = new PipelineBuilder("moving-state");
        var numbers = p.From(new PartitionedNumbers(10)).Uid("numbers");
        var sums = numbers.KeyBy(x => x % 2).Scan(0, (sum, x) => sum + x).Uid("sums");
        sums.To(after);
        sums.Select(x => x * 2).KeyBy(x => x % 3).Scan(0, (sum, x) => sum + x).To(further);
        numbers.Select(x => x + 1).To(beside);

        await new StreamingExecutor(new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory(_directory) }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        after.Contexts.Should().ContainSingle().Which.AfterMovingState.Should().BeTrue("its input is the keyed stage whose state moves with the exchange's partitions");
        further.Contexts.Should().ContainSingle().Which.AfterMovingState.Should().BeTrue("moving state is upstream of it, two stages away");
        beside.Contexts.Should().ContainSingle().Which.AfterMovingState.Should().BeFalse("it reads the exchange without a keyed stage in between");
    }

    [Fact]
    public async Task WithoutMovingState_AfterMovingState_IsFalse()
    {
        var sink = new ContextSink();
        var p = new PipelineBuilder("sink-context");
        p.From(Sources.Enumerable(Enumerable.Range(0, 5))).KeyBy(x => x % 2).Scan(0, (sum, x) => sum + x).To(sink);

        await new StreamingExecutor(new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory(_directory) }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        sink.Contexts.Should().ContainSingle().Which.AfterMovingState.Should().BeFalse("keyed state that does not move with an exchange's partitions restores from the run's own checkpoints");
    }

    [Fact]
    public async Task WithoutCheckpointStorage_NoWriterIsStartedForCheckpoints()
    {
        var sink = new ContextSink();
        var p = new PipelineBuilder("sink-context");
        p.From(Sources.Enumerable(Enumerable.Range(0, 5))).To(sink);

        await new StreamingExecutor(new StreamingOptions()).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(20));

        sink.Contexts.Should().BeEmpty();
    }
}
