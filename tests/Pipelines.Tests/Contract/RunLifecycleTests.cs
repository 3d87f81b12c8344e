using System.Collections.Concurrent;

namespace Pipelines.Tests.Contract;

/// <summary>
/// The run lifecycle both executors share: sinks open before sources, the dead-letter sink completes and sources
/// commit only after every sink completed, everything is disposed in the reverse order of opening, and a run
/// ends with the same kind of exception on either executor — the one its sinks were aborted with.
/// </summary>
public abstract class RunLifecycleTests
{
    protected abstract Task<RunSummary> RunAsync(Pipeline pipeline, CancellationToken cancellationToken = default);

    [Fact]
    public async Task SuccessfulRun_OpensSinksFirst_CommitsAfterEverySinkCompleted_AndDisposesInReverseOrder()
    {
        var log = new ConcurrentQueue<string>();
        var p = new PipelineBuilder().WithDeadLetterSink(new LoggingSink<DeadLetter>("dead", log));
        var numbers = p.From(new LoggingSource(log, [1, 2, 3]));
        numbers.Select(i => i * 10).To(new LoggingSink<int>("a", log));
        numbers.To(new LoggingSink<int>("b", log));

        await RunAsync(p.Build());

        var events = log.ToList();
        events.Take(4).Should().Equal("open a", "open b", "open dead", "open source");
        events.Should().Contain(["complete a", "complete b"]);
        events.IndexOf("complete dead").Should().BeGreaterThan(Math.Max(events.IndexOf("complete a"), events.IndexOf("complete b")));
        events.IndexOf("commit source").Should().BeGreaterThan(events.IndexOf("complete dead"));
        events.SkipWhile(e => e != "commit source").Skip(1).Should().Equal("dispose source", "dispose a", "dispose b", "dispose dead");
    }

    [Fact]
    public async Task CancelledRun_AbortsSinksWithThePipelineCanceledExceptionItThrows_AndDoesNotCommit()
    {
        var log = new ConcurrentQueue<string>();
        using var cts = new CancellationTokenSource();
        var sink = new LoggingSink<int>("a", log) { OnWrite = cts.Cancel };
        var p = new PipelineBuilder();
        p.From(new LoggingSource(log, [1, 2, 3], holdOpen: true)).To(sink);

        var act = () => RunAsync(p.Build(), cts.Token);

        var cancelled = (await act.Should().ThrowAsync<PipelineCanceledException>()).Which;
        cancelled.CancellationToken.Should().Be(cts.Token);
        cancelled.Summary.ElementsRead.Should().BePositive();
        sink.AbortError.Should().BeSameAs(cancelled);
        log.Should().NotContain(["commit source", "complete a"]);
        log.Should().EndWith(["abort a", "dispose source", "dispose a"]);
    }

    [Fact]
    public async Task SetupError_InvalidOperationException_IsThrownAsItIs_AndWhatWasOpenedIsDisposed()
    {
        var log = new ConcurrentQueue<string>();
        var p = new PipelineBuilder();
        p.From(new LoggingSource(log, [1])).KeyBy(i => i % 2).Process<int>(() => null!).To(new LoggingSink<int>("a", log));

        var act = () => RunAsync(p.Build());

        (await act.Should().ThrowExactlyAsync<InvalidOperationException>()).Which.Message.Should().Contain("factory returned null");
        log.Should().Equal("open a", "abort a", "dispose a");
    }

    [Fact]
    public async Task FailingUserFunction_IsAPipelineExecutionException_AndNothingCommits()
    {
        var log = new ConcurrentQueue<string>();
        var sink = new LoggingSink<int>("a", log);
        var p = new PipelineBuilder();
        p.From(new LoggingSource(log, [1, 2, 3])).Select(i => i == 2 ? throw new FormatException("two") : i).To(sink);

        var act = () => RunAsync(p.Build());

        var failure = (await act.Should().ThrowExactlyAsync<PipelineExecutionException>()).Which;
        failure.InnerException.Should().BeOfType<FormatException>();
        sink.AbortError.Should().BeSameAs(failure);
        log.Should().NotContain("commit source").And.EndWith(["dispose source", "dispose a"]);
    }

    /// <summary>A bounded source of <paramref name="items"/> that logs open, commit and dispose; with <paramref name="holdOpen"/> it then waits until cancelled.</summary>
    private sealed class LoggingSource(ConcurrentQueue<string> log, int[] items, bool holdOpen = false) : Source<int>
    {
        public override string Name => "source";

        public override bool IsBounded => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            log.Enqueue("open source");
            return new(new Reader(log, items, holdOpen));
        }

        private sealed class Reader(ConcurrentQueue<string> log, int[] items, bool holdOpen) : SourceReader<int>
        {
            private int _next;

            public override int TryRead(Span<int> destination)
            {
                int n = Math.Min(destination.Length, items.Length - _next);
                items.AsSpan(_next, n).CopyTo(destination);
                _next += n;
                return n;
            }

            public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
            {
                if (_next < items.Length) return true;
                if (holdOpen) await Task.Delay(Timeout.Infinite, cancellationToken);
                return false;
            }

            public override ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                log.Enqueue("commit source");
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                log.Enqueue("dispose source");
                return default;
            }
        }
    }

    private sealed class LoggingSink<T>(string name, ConcurrentQueue<string> log) : Sink<T>
    {
        public Exception? AbortError { get; private set; }

        /// <summary>Runs after each write.</summary>
        public Action? OnWrite { get; init; }

        public override string Name => name;

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
        {
            log.Enqueue($"open {name}");
            return new(new Writer(this));
        }

        private sealed class Writer(LoggingSink<T> sink) : SinkWriter<T>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                sink.OnWrite?.Invoke();
                return default;
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                sink.Log("complete");
                return default;
            }

            public override ValueTask AbortAsync(Exception error)
            {
                sink.Log("abort");
                sink.AbortError = error;
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                sink.Log("dispose");
                return default;
            }
        }

        private void Log(string what) => log.Enqueue($"{what} {name}");
    }
}

public sealed class BoundedRunLifecycleTests : RunLifecycleTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline, CancellationToken cancellationToken = default) =>
        new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 2 }).RunAsync(pipeline, cancellationToken);
}

public sealed class StreamingRunLifecycleTests : RunLifecycleTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline, CancellationToken cancellationToken = default) =>
        new StreamingExecutor(new StreamingOptions { Parallelism = 2, ChannelCapacity = 1, MaxBatchSize = 3, IdleTimeout = Timeout.InfiniteTimeSpan })
            .RunAsync(pipeline, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60));
}
