namespace Pipelines.Tests.Connectors;

/// <summary>
/// The hooks connectors build on, on every executor: bad records reported through <see cref="SourceContext"/>,
/// <see cref="SourceReader{T}.CommitAsync"/> after a successful run only, <see cref="SinkWriter{T}.AbortAsync"/>
/// when a run fails, <see cref="Sink{T}.OnRunEndedUnopened"/>, and <see cref="Sinks.AsyncEnumerable{T}"/>.
/// </summary>
public abstract class ConnectorHookTests
{
    protected abstract Task<RunSummary> RunAsync(Pipeline pipeline);

    /// <summary>Lines "1", "2", "x", … parsed as integers; a line that is not a number is a bad record.</summary>
    private sealed class NumberLines(string[] lines, string name = "numbers", bool holdOpen = false, ErrorPolicy? badRecordPolicy = null) : Source<int>
    {
        public override ErrorPolicy? BadRecordPolicy => badRecordPolicy;

        public int Commits { get; private set; }

        public ErrorPolicy? SeenPolicy { get; private set; }

        public override string Name => name;

        public override bool IsBounded => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            SeenPolicy = context.ErrorPolicy;
            return new(new Reader(this, context));
        }

        private sealed class Reader(NumberLines source, SourceContext context) : SourceReader<int>
        {
            private int _next;

            public override int TryRead(Span<int> destination)
            {
                int n = 0;
                while (n < destination.Length && _next < source.Lines.Length)
                {
                    string line = source.Lines[_next++];
                    if (int.TryParse(line, out int value)) destination[n++] = value;
                    else context.ReportBadRecord(line, new FormatException($"line {_next}: '{line}' is not a number"));
                }

                return n;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
                _next < source.Lines.Length || !source.HoldOpen ? new(_next < source.Lines.Length) : WaitForeverAsync(cancellationToken);

            private static async ValueTask<bool> WaitForeverAsync(CancellationToken cancellationToken)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return false;
            }

            public override ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                source.Commits++;
                return default;
            }
        }

        private string[] Lines => lines;

        /// <summary>After its lines, wait until cancelled instead of ending (the run can only end by failing).</summary>
        private bool HoldOpen => holdOpen;
    }

    /// <summary>Records how a run ended for its writer.</summary>
    private sealed class ProbeSink<T> : Sink<T>
    {
        public List<string> Events { get; } = [];

        public Exception? AbortError { get; private set; }

        public override string Name => "probe";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(ProbeSink<T> sink) : SinkWriter<T>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken) => default;

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                sink.Events.Add("complete");
                return default;
            }

            public override ValueTask AbortAsync(Exception error)
            {
                sink.Events.Add("abort");
                sink.AbortError = error;
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                sink.Events.Add("dispose");
                return base.DisposeAsync();
            }
        }
    }

    private static readonly string[] Mixed = ["1", "2", "x", "3", "", "4"];

    [Fact]
    public async Task BadRecord_UnderFail_FailsNamingSourceRecordAndReason()
    {
        var source = new NumberLines(Mixed);
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Action<int>(_ => { }));
        var act = () => RunAsync(p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("numbers").And.Contain("'x'").And.Contain("line 3");
        failure.Element.Should().Be("x");
        failure.InnerException.Should().BeOfType<FormatException>();
        source.SeenPolicy.Should().Be(ErrorPolicy.Fail);
        source.Commits.Should().Be(0);
    }

    [Fact]
    public async Task BadRecord_UnderSkip_IsCountedAndTheRestIsRead()
    {
        var source = new NumberLines(Mixed);
        var output = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(source).To(Sinks.Collection(output));
        var summary = await RunAsync(p.Build());
        output.Should().Equal(1, 2, 3, 4);
        summary.ElementsSkipped.Should().Be(2);
        summary.ElementsRead.Should().Be(4);
        source.SeenPolicy.Should().Be(ErrorPolicy.Skip);
    }

    [Fact]
    public async Task BadRecord_UnderDeadLetterOnTheSource_GoesToTheDeadLetterSinkWithItsReason()
    {
        var source = new NumberLines(Mixed);
        var output = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(source).OnError(ErrorPolicy.DeadLetter).Select(i => i * 10).To(Sinks.Collection(output));
        var summary = await RunAsync(p.Build());
        output.Should().Equal(10, 20, 30, 40);
        dead.Select(d => d.Element).Should().Equal("x", "");
        dead[0].Exception.Message.Should().Contain("line 3");
        dead[0].Operator.Should().Contain("numbers");
        dead[0].Timestamp.Should().BeNull();
        summary.ElementsDeadLettered.Should().Be(2);
        source.SeenPolicy.Should().Be(ErrorPolicy.DeadLetter);
    }

    [Fact]
    public async Task BadRecord_UnderTheSourcesOwnPolicy_OverridesThePipelines_AndTheStreamsOverridesIt()
    {
        var skipping = new NumberLines(Mixed, badRecordPolicy: ErrorPolicy.Skip);
        var p = new PipelineBuilder().OnError(ErrorPolicy.Fail);
        p.From(skipping).To(Sinks.Action<int>(_ => { }));
        var summary = await RunAsync(p.Build());
        summary.ElementsSkipped.Should().Be(2);
        skipping.SeenPolicy.Should().Be(ErrorPolicy.Skip);

        var overridden = new NumberLines(Mixed, badRecordPolicy: ErrorPolicy.Skip);
        var q = new PipelineBuilder();
        q.From(overridden).OnError(ErrorPolicy.Fail).To(Sinks.Action<int>(_ => { }));
        var act = () => RunAsync(q.Build());
        await act.Should().ThrowAsync<PipelineExecutionException>().WithMessage("*'x'*");
        overridden.SeenPolicy.Should().Be(ErrorPolicy.Fail);

        var deadLettering = new NumberLines(Mixed, badRecordPolicy: ErrorPolicy.DeadLetter);
        var r = new PipelineBuilder();
        r.From(deadLettering).To(Sinks.Action<int>(_ => { }));
        r.Invoking(b => b.Build()).Should().Throw<InvalidOperationException>("a source's dead letters need the dead-letter sink like any operator's")
            .WithMessage("*WithDeadLetterSink*");
    }

    [Fact]
    public async Task Commit_IsCalledOnceAfterASuccessfulRun()
    {
        var source = new NumberLines(["1", "2"]);
        var probe = new ProbeSink<int>();
        var p = new PipelineBuilder();
        p.From(source).To(probe);
        await RunAsync(p.Build());
        source.Commits.Should().Be(1);
        probe.Events.Should().Equal("complete", "dispose");
    }

    [Fact]
    public async Task FailedRun_AbortsSinksWithTheRunsError_AndDoesNotCommit()
    {
        // The source stays open after its lines, so the probe cannot complete before the other sink fails.
        var source = new NumberLines(["1", "2", "3"], holdOpen: true);
        var probe = new ProbeSink<int>();
        var p = new PipelineBuilder();
        var numbers = p.From(source);
        numbers.To(probe);
        numbers.To(Sinks.Action<int>(i => { if (i == 2) throw new IOException("disk full"); }, "report"));
        var act = () => RunAsync(p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        probe.Events.Should().Equal("abort", "dispose");
        probe.AbortError.Should().BeSameAs(failure);
        source.Commits.Should().Be(0);
    }

    [Fact]
    public async Task AsyncEnumerableSink_YieldsEveryResultInOrderThenEnds()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 1000))).Select(i => i * 2).To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results, capacity: 8));
        var run = RunAsync(p.Build());
        var received = new List<int>();
        await foreach (int r in results) received.Add(r);
        var summary = await run;
        received.Should().Equal(Enumerable.Range(0, 1000).Select(i => i * 2));
        summary.ResultsWritten.Should().Be(1000);
    }

    [Fact]
    public async Task AsyncEnumerableSink_ThrowsTheRunsErrorAfterTheResultsBeforeIt()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 100)))
            .Select(i => i == 50 ? throw new InvalidDataException("bad element") : i)
            .To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results, capacity: 4));
        var run = RunAsync(p.Build());
        var received = new List<int>();
        var consume = async () =>
        {
            await foreach (int r in results) received.Add(r);
        };
        var seen = (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which;
        var failure = (await ((Func<Task>)(() => run)).Should().ThrowAsync<PipelineExecutionException>()).Which;
        seen.Should().BeSameAs(failure);
        received.Should().Equal(Enumerable.Range(0, received.Count)).And.HaveCountLessThanOrEqualTo(50);
    }

    [Fact]
    public async Task AsyncEnumerableSink_EndsWithTheRunsError_WhenTheRunFailsBeforeOpeningIt()
    {
        // A sink opened before it fails to open: the consumer waited for results that never came.
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable([1, 2]));
        numbers.To(new RefusingSink());
        numbers.To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results));
        var failure = (await ((Func<Task>)(() => RunAsync(p.Build()))).Should().ThrowAsync<PipelineExecutionException>()).Which;
        var consume = () => results.ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task ARunEndingBeforeItsSinksOpen_TellsEachSinkOnce_TheDeadLetterSinkToo()
    {
        // One sink behind two streams hears it once; the dead-letter sink's consumer does not wait forever.
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.AsyncEnumerable(out IAsyncEnumerable<DeadLetter> letters));
        var numbers = p.From(Sources.Enumerable([1, 2]));
        var counting = new CountingSink();
        numbers.To(new RefusingSink());
        numbers.To(counting);
        numbers.Select(i => i * 2).To(counting);
        var failure = (await ((Func<Task>)(() => RunAsync(p.Build()))).Should().ThrowAsync<PipelineExecutionException>()).Which;

        counting.Told.Should().Equal(failure);
        var consume = () => letters.ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task ASinkOpenedBeforeAnotherFailsToOpen_HearsTheRunsError()
    {
        // Its writer, opened but never given to an operator, was only disposed: the consumer saw "ended before the end
        // of its input" instead of what ended the run.
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable([1, 2]));
        numbers.To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results));
        numbers.To(new RefusingSink());
        var failure = (await ((Func<Task>)(() => RunAsync(p.Build()))).Should().ThrowAsync<PipelineExecutionException>()).Which;
        var consume = () => results.ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task ChannelSink_CompletesItsChannelWithTheRunsError_WhenTheRunFails()
    {
        // The channel was left open: a reader awaiting ReadAllAsync waited for ever.
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 100)))
            .Select(i => i == 50 ? throw new InvalidDataException("bad element") : i)
            .To(Sinks.Channel(channel.Writer));
        var failure = (await ((Func<Task>)(() => RunAsync(p.Build()))).Should().ThrowAsync<PipelineExecutionException>()).Which;
        var consume = () => channel.Reader.ReadAllAsync().ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task ChannelSink_CompletesItsChannelWithTheRunsError_WhenTheRunEndsBeforeOpeningIt()
    {
        var before = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var after = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable([1, 2]));
        numbers.To(Sinks.Channel(before.Writer));
        numbers.To(new RefusingSink());
        numbers.To(Sinks.Channel(after.Writer));
        var failure = (await ((Func<Task>)(() => RunAsync(p.Build()))).Should().ThrowAsync<PipelineExecutionException>()).Which;
        foreach (var channel in new[] { before, after })
        {
            var consume = () => channel.Reader.ReadAllAsync().ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            (await consume.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
        }
    }

    private sealed class CountingSink : Sink<int>
    {
        public List<Exception> Told { get; } = [];

        public override string Name => "counting";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("not opened in this test");

        public override void OnRunEndedUnopened(Exception error)
        {
            lock (Told) Told.Add(error);
        }
    }

    private sealed class RefusingSink : Sink<int>
    {
        public override string Name => "refusing";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => throw new IOException("no connection");
    }

    [Fact]
    public async Task AsyncEnumerableSink_ServesOneRun()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([1, 2])).To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results));
        var pipeline = p.Build();
        var first = RunAsync(pipeline);
        (await results.ToListAsync()).Should().Equal(1, 2);
        await first;
        var again = () => RunAsync(pipeline);
        (await again.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("single run");
    }
}

public sealed class BoundedConnectorHookTests : ConnectorHookTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 2 }).RunAsync(pipeline);
}

public sealed class StreamingConnectorHookTests : ConnectorHookTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) =>
        new StreamingExecutor(new StreamingOptions { Parallelism = 2, ChannelCapacity = 1, MaxBatchSize = 3, IdleTimeout = Timeout.InfiniteTimeSpan })
            .RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(60));
}
