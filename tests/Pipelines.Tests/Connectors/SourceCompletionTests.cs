using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Pipelines.Tests.Connectors;

/// <summary><see cref="SourceReader{T}.CommitAsync"/>: called once after a normal end, after the sinks completed; never after a failure or cancellation.</summary>
public class SourceCompletionTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Bounded_CommitAsync_RunsOnce_AfterTheSinkCompleted()
    {
        var log = new ConcurrentQueue<string>();
        var source = new AckSource(Enumerable.Range(1, 10).ToList(), log);
        var p = new PipelineBuilder();
        p.From(source).Select(x => x * 2).To(new LoggingSink(log));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 3 }).RunAsync(p.Build());

        source.Completed.Should().Be(1);
        log.Should().EndWith(["sink complete", "source complete", "source dispose"]);
    }

    [Fact]
    public async Task Streaming_SourcesEnd_CommitAsync_RunsOnce_AfterWindowsFiredAndTheSinkCompleted()
    {
        var log = new ConcurrentQueue<string>();
        var source = new AckSource(Enumerable.Range(0, 20).ToList(), log);
        var results = new ConcurrentQueue<long>();
        var p = new PipelineBuilder();
        p.From(source)
            .WithEventTime(x => DateTimeOffset.UnixEpoch.AddSeconds(x), Watermarks.Monotonic())
            .KeyBy(x => x % 2)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(100)))
            .Count()
            .To(new LoggingSink<WindowResult<int, long>>(log, r => results.Enqueue(r.Value)));

        await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build()).WaitAsync(HangGuard);

        results.Sum().Should().Be(20, "the window fired before the source was told");
        source.Completed.Should().Be(1);
        log.Should().EndWith(["sink complete", "source complete", "source dispose"]);
    }

    [Fact]
    public async Task Streaming_StopWithDrain_CompletesTheUnboundedSource()
    {
        var log = new ConcurrentQueue<string>();
        var channel = Channel.CreateUnbounded<int>();
        var source = new AckChannelSource(channel.Reader, log);
        var seen = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(source).To(new LoggingSink<int>(log, seen.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());
        channel.Writer.TryWrite(1);
        channel.Writer.TryWrite(2);
        await WaitUntil(() => seen.Count == 2);

        await run.StopAsync(drain: true).WaitAsync(HangGuard);

        source.Completed.Should().Be(1);
        log.Should().EndWith(["sink complete", "source complete", "source dispose"]);
    }

    [Fact]
    public async Task Streaming_StopWithoutDrain_DoesNotComplete_ButDisposes()
    {
        var log = new ConcurrentQueue<string>();
        var channel = Channel.CreateUnbounded<int>();
        var source = new AckChannelSource(channel.Reader, log);
        var seen = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(source).To(new LoggingSink<int>(log, seen.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());
        channel.Writer.TryWrite(1);
        await WaitUntil(() => seen.Count == 1);

        await run.StopAsync(drain: false).WaitAsync(HangGuard);

        source.Completed.Should().Be(0);
        log.Should().Contain("source dispose").And.NotContain("source complete");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FailedRun_DoesNotComplete(bool streaming)
    {
        var log = new ConcurrentQueue<string>();
        var source = new AckSource([1, 2, 3], log);
        var p = new PipelineBuilder();
        p.From(source).Select(x => x == 2 ? throw new InvalidOperationException("boom") : x).To(new LoggingSink(log));

        Func<Task> act = () => streaming
            ? new StreamingExecutor().RunAsync(p.Build()).WaitAsync(HangGuard)
            : new BoundedExecutor().RunAsync(p.Build());

        await act.Should().ThrowAsync<PipelineExecutionException>();
        source.Completed.Should().Be(0);
        log.Should().Contain("source dispose");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CommitAsyncThrows_FailsTheRun_NamingTheSource(bool streaming)
    {
        var log = new ConcurrentQueue<string>();
        var source = new AckSource([1, 2, 3], log) { FailOnComplete = true };
        var p = new PipelineBuilder();
        p.From(source).To(new LoggingSink(log));

        Func<Task> act = () => streaming
            ? new StreamingExecutor().RunAsync(p.Build()).WaitAsync(HangGuard)
            : new BoundedExecutor().RunAsync(p.Build());

        var thrown = await act.Should().ThrowAsync<PipelineExecutionException>();
        thrown.Which.Message.Should().Contain("Source 'ack'").And.Contain("commit refused");
        thrown.Which.Operator.Should().Be("ack");
        log.Should().Contain("source dispose");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(5);
        }
    }

    private sealed class AckSource(IReadOnlyList<int> items, ConcurrentQueue<string> log) : Source<int>
    {
        public int Completed;

        public IReadOnlyList<int> Items { get; } = items;

        public ConcurrentQueue<string> Log { get; } = log;

        public bool FailOnComplete { get; init; }

        public override string Name => "ack";

        public override bool IsBounded => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader(this));

        private sealed class Reader(AckSource owner) : SourceReader<int>
        {
            private int _next;

            public override int TryRead(Span<int> destination)
            {
                int n = 0;
                while (n < destination.Length && _next < owner.Items.Count) destination[n++] = owner.Items[_next++];
                return n;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_next < owner.Items.Count);

            public override ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner.Completed);
                owner.Log.Enqueue("source complete");
                if (owner.FailOnComplete) throw new InvalidOperationException("commit refused");
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                owner.Log.Enqueue("source dispose");
                return base.DisposeAsync();
            }
        }
    }

    private sealed class AckChannelSource(ChannelReader<int> channel, ConcurrentQueue<string> log) : Source<int>
    {
        public int Completed;

        public ChannelReader<int> Channel { get; } = channel;

        public ConcurrentQueue<string> Log { get; } = log;

        public override string Name => "ack-channel";

        public override bool IsBounded => false;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader(this));

        private sealed class Reader(AckChannelSource owner) : SourceReader<int>
        {
            public override int TryRead(Span<int> destination)
            {
                int n = 0;
                while (n < destination.Length && owner.Channel.TryRead(out int item)) destination[n++] = item;
                return n;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => owner.Channel.WaitToReadAsync(cancellationToken);

            public override ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner.Completed);
                owner.Log.Enqueue("source complete");
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                owner.Log.Enqueue("source dispose");
                return base.DisposeAsync();
            }
        }
    }

    private sealed class LoggingSink(ConcurrentQueue<string> log) : LoggingSink<int>(log, _ => { });

    private class LoggingSink<T>(ConcurrentQueue<string> log, Action<T> onItem) : Sink<T>
    {
        public override string Name => "logging";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(log, onItem));

        private sealed class Writer(ConcurrentQueue<string> log, Action<T> onItem) : SinkWriter<T>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                foreach (var item in items.Span) onItem(item);
                log.Enqueue("sink write");
                return default;
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                log.Enqueue("sink complete");
                return default;
            }
        }
    }
}
