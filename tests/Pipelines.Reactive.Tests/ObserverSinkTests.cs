using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace Pipelines.Reactive.Tests;

public sealed class ObserverSinkTests
{
    /// <summary>Records every signal an observer gets.</summary>
    private sealed class RecordingObserver : IObserver<int>
    {
        public List<string> Signals { get; } = [];

        public Exception? Error { get; private set; }

        public void OnNext(int value) => Signals.Add(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public void OnError(Exception error)
        {
            Error = error;
            Signals.Add("error");
        }

        public void OnCompleted() => Signals.Add("completed");
    }

    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static Task<RunSummary> Run(string executor, Pipeline pipeline) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 3 }).RunAsync(pipeline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 3, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(30));

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Create_ForwardsEveryResultThenCompletes(string executor)
    {
        var observer = new RecordingObserver();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([1, 2, 3, 4])).Where(i => i % 2 == 0).To(ObserverSink.Create(observer));
        await Run(executor, p.Build());
        observer.Signals.Should().Equal("2", "4", "completed");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Create_FailedRun_SendsTheRunsErrorToTheObserver(string executor)
    {
        var observer = new RecordingObserver();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([1, 2, 3])).Select(i => i == 3 ? throw new FormatException("three") : i).To(ObserverSink.Create(observer));
        var act = () => Run(executor, p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        observer.Signals.Should().EndWith("error");
        observer.Error.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task ToObservable_EndsWithTheRunsError_WhenTheRunEndsBeforeOpeningItsSink()
    {
        // The observer heard only from the sink's writer: a run refused before it began (an unbounded source for the
        // bounded executor, a token already cancelled) or failing while an earlier sink opened left it waiting forever.
        var unbounded = new PipelineBuilder();
        var fromChannel = unbounded.From(Sources.Channel(System.Threading.Channels.Channel.CreateUnbounded<int>().Reader)).ToObservable().ToList().ToTask();
        var refused = () => new BoundedExecutor().RunAsync(unbounded.Build());
        await refused.Should().ThrowAsync<InvalidOperationException>();
        (await ((Func<Task>)(() => fromChannel.WaitAsync(TimeSpan.FromSeconds(10)))).Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("needs sources that end");

        var cancelled = new PipelineBuilder();
        var whenCancelled = cancelled.From(Sources.Enumerable([1, 2])).ToObservable().ToList().ToTask();
        var act = () => new StreamingExecutor().RunAsync(cancelled.Build(), new CancellationToken(canceled: true));
        await act.Should().ThrowAsync<OperationCanceledException>();
        await ((Func<Task>)(() => whenCancelled.WaitAsync(TimeSpan.FromSeconds(10)))).Should().ThrowAsync<OperationCanceledException>();

        var earlier = new PipelineBuilder();
        var numbers = earlier.From(Sources.Enumerable([1, 2]));
        numbers.To(new RefusingSink());
        var afterIt = numbers.ToObservable().ToList().ToTask();
        var failed = () => new BoundedExecutor().RunAsync(earlier.Build());
        var error = (await failed.Should().ThrowAsync<PipelineExecutionException>()).Which;
        (await ((Func<Task>)(() => afterIt.WaitAsync(TimeSpan.FromSeconds(10)))).Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(error);
    }

    private sealed class RefusingSink : Sink<int>
    {
        public override string Name => "refusing";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => throw new IOException("no connection");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Create_ThrowingOnNext_FollowsTheErrorPolicy(string executor)
    {
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable([1, 2, 3])).To(ObserverSink.Create(Observer.Create<int>(i => { if (i == 2) throw new IOException("screen off"); })));
        var summary = await Run(executor, p.Build());
        dead.Should().ContainSingle().Which.Element.Should().Be(2);
        summary.ElementsDeadLettered.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ToObservable_PublishesTheResults(string executor)
    {
        var p = new PipelineBuilder();
        IObservable<int> results = p.From(Sources.Enumerable(Enumerable.Range(0, 500))).Select(i => i + 1).ToObservable();
        var collected = results.ToList().ToTask();
        await Run(executor, p.Build());
        (await collected.WaitAsync(TimeSpan.FromSeconds(10))).Should().Equal(Enumerable.Range(1, 500));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ToObservable_ErrorsWithTheRunsError(string executor)
    {
        var p = new PipelineBuilder();
        IObservable<int> results = p.From(Sources.Enumerable([1, 2, 3])).Select(i => i == 2 ? throw new FormatException("two") : i).ToObservable();
        var collected = results.ToList().ToTask();
        var act = () => Run(executor, p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        var observed = () => collected.WaitAsync(TimeSpan.FromSeconds(10));
        (await observed.Should().ThrowAsync<PipelineExecutionException>()).Which.Should().BeSameAs(failure);
    }

    [Fact]
    public async Task Create_ServesOneRun_SinceOnCompletedEndsTheObserver()
    {
        var observer = new RecordingObserver();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([1, 2])).To(ObserverSink.Create(observer));
        var pipeline = p.Build();
        await new BoundedExecutor().RunAsync(pipeline);

        var again = () => new StreamingExecutor().RunAsync(pipeline);

        (await again.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*single run*OnCompleted or OnError*its own observer*");
        observer.Signals.Should().Equal("1", "2", "completed");
    }

    [Fact]
    public async Task ToObservable_ServesOneRun()
    {
        var p = new PipelineBuilder();
        _ = p.From(Sources.Enumerable([1])).ToObservable();
        var pipeline = p.Build();
        await new BoundedExecutor().RunAsync(pipeline);
        var again = () => new BoundedExecutor().RunAsync(pipeline);
        (await again.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("single run");
    }

    [Fact]
    public async Task ObservableInObservableOut_RoundTrip()
    {
        var p = new PipelineBuilder();
        var doubled = p.From(Observable.Range(1, 1000).ToSource(32, OverflowPolicy.Block)).Select(i => i * 2).ToObservable();
        var collected = doubled.ToList().ToTask();
        await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));
        (await collected).Should().Equal(Enumerable.Range(1, 1000).Select(i => i * 2));
    }
}
