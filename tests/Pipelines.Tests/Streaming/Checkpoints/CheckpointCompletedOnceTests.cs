using System.Threading.Channels;

namespace Pipelines.Tests.Streaming.Checkpoints;

/// <summary>A checkpoint completes once, however its sinks end while its commit is still running.</summary>
public sealed class CheckpointCompletedOnceTests
{
    /// <summary>A source whose commits of a position wait for the test: a broker slow to take an offset commit.</summary>
    private sealed class SlowCommitSource(ChannelReader<int> channel) : Source<int>
    {
        public readonly TaskCompletionSource CommitStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource LetCommit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<long> Commits = [];
        private readonly ChannelReader<int> _channel = channel;
        private long _read;

        public override string Name => "slow-commit";

        public override bool IsBounded => false;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader(this));

        private sealed class Reader(SlowCommitSource source) : SourceReader<int, ReadCount>
        {
            public override bool CommitsDuringRun => true;

            public override int TryRead(Span<int> destination)
            {
                int n = 0;
                while (n < destination.Length && source._channel.TryRead(out var item)) destination[n++] = item;
                Interlocked.Add(ref source._read, n);
                return n;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => source._channel.WaitToReadAsync(cancellationToken);

            public override ReadCount CapturePosition() => new(Volatile.Read(ref source._read));

            public override async ValueTask CommitAsync(ReadCount position, CancellationToken cancellationToken)
            {
                source.CommitStarted.TrySetResult();
                await source.LetCommit.Task.WaitAsync(cancellationToken);
                lock (source.Commits) source.Commits.Add(position.Elements);
            }
        }
    }

    /// <summary>A sink that says when it completes (the run tells the checkpoints it ended right after).</summary>
    private sealed class CompletingSink : Sink<int>
    {
        public readonly TaskCompletionSource Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "completing";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(CompletingSink sink) : SinkWriter<int>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<int> items, CancellationToken cancellationToken) => default;

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                sink.Completed.TrySetResult();
                return default;
            }
        }
    }

    [Fact]
    public async Task ASinkEndingWhileTheCheckpointCommits_DoesNotCompleteItAgain()
    {
        var input = Channel.CreateUnbounded<int>();
        var source = new SlowCommitSource(input.Reader);
        var p = new PipelineBuilder();
        var sink = new CompletingSink();
        p.From(source).Select(i => i * 2).To(sink);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, CheckpointInterval = TimeSpan.FromMilliseconds(20), IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        for (int i = 0; i < 3; i++) await input.Writer.WriteAsync(i);

        // Every sink has acknowledged the checkpoint; its source commit waits. Now the run drains: the sink ends.
        await source.CommitStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        input.Writer.Complete();
        var stopping = run.StopAsync(drain: true);
        await sink.Completed.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the drain reached the sink while the commit still waits
        await Task.Delay(50); // and the sink's end reached the checkpoints (right after its completion)
        source.LetCommit.SetResult();
        var summary = await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        summary.CheckpointsCompleted.Should().Be(1, "one checkpoint was taken, and it counts once");
        lock (source.Commits) source.Commits.Should().Equal([3L, 3L], "the checkpoint's position is committed once, then the drained run's end once");
    }
}
