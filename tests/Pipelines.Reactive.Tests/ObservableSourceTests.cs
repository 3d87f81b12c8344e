using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace Pipelines.Reactive.Tests;

public sealed class ObservableSourceTests
{
    private static readonly BoundedExecutor OneAtATime = new(new BoundedExecutorOptions { BatchSize = 1 });

    private static StreamingExecutor Streaming() => new(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan });

    [Fact]
    public async Task Block_SynchronousObservable_DeliversEverythingInOrder_OnBothExecutors()
    {
        foreach (var run in new Func<Pipeline, Task<RunSummary>>[] { p => new BoundedExecutor().RunAsync(p), p => Streaming().RunAsync(p) })
        {
            var source = Observable.Range(0, 50_000).ToSource(16, OverflowPolicy.Block, isBounded: true);
            var output = new List<int>();
            var p = new PipelineBuilder();
            p.From(source).To(Sinks.Collection(output));
            var summary = await run(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));
            output.Should().Equal(Enumerable.Range(0, 50_000));
            summary.ElementsRead.Should().Be(50_000);
            source.DroppedCount.Should().Be(0);
        }
    }

    [Fact]
    public async Task Block_FullBuffer_BlocksTheProducerUntilThePipelineReads()
    {
        var subject = new Subject<int>();
        var gate = new GateSink();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(2, OverflowPolicy.Block, isBounded: true)).To(gate.Sink);
        var run = OneAtATime.RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");

        int returned = 0;
        bool opened = false, openedWhenFourthReturned = false;
        var producer = Task.Run(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                subject.OnNext(i);
                if (i == 3) openedWhenFourthReturned = Volatile.Read(ref opened);
                Volatile.Write(ref returned, i + 1);
            }

            subject.OnCompleted();
        });

        // Element 0 waits in the sink, 1 and 2 fill the buffer, OnNext(3) must wait until the sink is let go.
        await Eventually.HoldsAsync(() => Volatile.Read(ref returned) >= 3 && gate.Received.Length == 1, "the buffer fills");
        Volatile.Write(ref opened, true);
        gate.Open();
        await producer.WaitAsync(TimeSpan.FromSeconds(10));
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        gate.Received.Should().Equal(Enumerable.Range(0, 10));
        openedWhenFourthReturned.Should().BeTrue("OnNext blocks while the buffer is full, until the pipeline reads");
    }

    [Fact]
    public async Task DropOldest_FullBuffer_KeepsTheNewestAndCountsTheDropped()
    {
        var subject = new Subject<int>();
        var source = subject.ToSource(4, OverflowPolicy.DropOldest, isBounded: true, name: "ticks");
        var gate = new GateSink();
        var p = new PipelineBuilder();
        p.From(source).To(gate.Sink);
        var run = OneAtATime.RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");

        subject.OnNext(0);
        await Eventually.HoldsAsync(() => gate.Received.Length == 1, "element 0 reaches the sink");
        for (int i = 1; i <= 100; i++) subject.OnNext(i);
        subject.OnCompleted();
        gate.Open();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(10));

        gate.Received.Should().Equal(0, 97, 98, 99, 100);
        source.DroppedCount.Should().Be(96);
        summary.ElementsRead.Should().Be(5);
    }

    [Fact]
    public async Task Fail_FullBuffer_FailsTheRunNamingTheSourceAndTheBuffer()
    {
        var subject = new Subject<int>();
        var gate = new GateSink();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(4, OverflowPolicy.Fail, isBounded: true, name: "prices")).To(gate.Sink);
        var run = OneAtATime.RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");

        subject.OnNext(0);
        await Eventually.HoldsAsync(() => gate.Received.Length == 1, "element 0 reaches the sink");
        for (int i = 1; i <= 5; i++) subject.OnNext(i);
        gate.Open();

        var failure = (await ((Func<Task>)(() => run)).Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("'prices'").And.Contain("4 buffered elements").And.Contain("OverflowPolicy.Fail");
        subject.HasObservers.Should().BeFalse("the run unsubscribes when it ends");
    }

    [Fact]
    public async Task OnError_FailsTheRunNamingTheSource_AfterTheElementsBeforeIt()
    {
        var subject = new Subject<int>();
        var output = new List<int>();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(16, OverflowPolicy.Block, isBounded: true, name: "orders")).To(Sinks.Collection(output));
        var run = new BoundedExecutor().RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");

        subject.OnNext(1);
        subject.OnNext(2);
        subject.OnError(new InvalidDataException("feed broke"));

        var failure = (await ((Func<Task>)(() => run)).Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("'orders'").And.Contain("feed broke");
        failure.InnerException.Should().BeOfType<InvalidDataException>();
        output.Should().Equal(1, 2);
    }

    [Fact]
    public async Task OnError_FailsAStreamingRun()
    {
        var subject = new Subject<int>();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(16, OverflowPolicy.Block, name: "orders")).To(Sinks.Action<int>(_ => { }));
        var run = Streaming().RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");
        subject.OnError(new InvalidDataException("feed broke"));
        var failure = (await ((Func<Task>)(() => run.WaitAsync(TimeSpan.FromSeconds(10)))).Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("'orders'").And.Contain("feed broke");
    }

    [Fact]
    public async Task OnCompleted_EndsAStreamingRun_WithEveryElement()
    {
        var subject = new Subject<int>();
        var output = new List<int>();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(8, OverflowPolicy.Block)).Select(i => i * 10).To(Sinks.Collection(output));
        var run = Streaming().RunAsync(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");
        for (int i = 1; i <= 100; i++) subject.OnNext(i);
        subject.OnCompleted();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(10));
        output.Should().Equal(Enumerable.Range(1, 100).Select(i => i * 10));
        summary.ElementsRead.Should().Be(100);
    }

    [Fact]
    public async Task Unbounded_IsRefusedByTheBoundedExecutor_UnlessTheUserSaysItCompletes()
    {
        var p = new PipelineBuilder();
        p.From(Observable.Range(0, 3).ToSource(4, OverflowPolicy.Block, name: "range")).To(Sinks.Action<int>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'range'");
    }

    [Fact]
    public async Task StoppingARun_Unsubscribes()
    {
        var subject = new Subject<int>();
        var p = new PipelineBuilder();
        p.From(subject.ToSource(8, OverflowPolicy.Block)).To(Sinks.Action<int>(_ => { }));
        var run = Streaming().Start(p.Build());
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");
        subject.OnNext(1);
        await Eventually.HoldsAsync(() => run.ElementsRead == 1, "the element is read");
        await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(10));
        subject.HasObservers.Should().BeFalse();
        (await run.Completion).ElementsRead.Should().Be(1);
    }

    [Fact]
    public async Task CancelledRun_CountsTheElementsItNeverRead()
    {
        var subject = new Subject<int>();
        var source = subject.ToSource(8, OverflowPolicy.Block, isBounded: true);
        var gate = new GateSink();
        var p = new PipelineBuilder();
        p.From(source).To(gate.Sink);
        using var cancel = new CancellationTokenSource();
        var run = OneAtATime.RunAsync(p.Build(), cancel.Token);
        await Eventually.HoldsAsync(() => subject.HasObservers, "the run subscribes");

        subject.OnNext(0);
        await Eventually.HoldsAsync(() => gate.Received.Length == 1, "element 0 reaches the sink");
        for (int i = 1; i <= 3; i++) subject.OnNext(i);
        await cancel.CancelAsync();

        await ((Func<Task>)(() => run)).Should().ThrowAsync<OperationCanceledException>();
        source.DroppedCount.Should().Be(3);
    }

    [Fact]
    public async Task Subscribed_LetsAProducerOfAHotObservableWaitForTheRun_SoNothingIsPushedToNoOne()
    {
        var subject = new Subject<int>();
        var source = subject.ToSource(64, OverflowPolicy.Block, isBounded: true, name: "ticks");
        var output = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Collection(output));
        source.Subscribed.IsCompleted.Should().BeFalse("no run has subscribed yet");

        var run = new BoundedExecutor().RunAsync(p.Build());
        await source.Subscribed.WaitAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 10; i++) subject.OnNext(i);
        subject.OnCompleted();

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        output.Should().Equal(Enumerable.Range(0, 10));
    }

    [Fact]
    public async Task Subscribed_WaitsForAnObservableThatPushesInsideSubscribe_ToSubscribeToItsHotPart()
    {
        // subject.StartWith(seed) pushes the seed inside Subscribe, then subscribes to the subject: Subscribed completed
        // on the seed, and what the producer pushed before the subject's subscription reached no one.
        var subject = new Subject<int>();
        var returned = false;
        var seeded = Observable.Create<int>(observer =>
        {
            observer.OnNext(-1);
            Thread.Sleep(300); // the moment between the seed and the hot part, drawn out
            var inner = subject.Subscribe(observer);
            returned = true;
            return inner;
        });
        var source = seeded.ToSource(64, OverflowPolicy.Block, isBounded: true, name: "seeded");
        var output = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Collection(output));

        var run = new BoundedExecutor().RunAsync(p.Build());
        await source.Subscribed.WaitAsync(TimeSpan.FromSeconds(10));
        Volatile.Read(ref returned).Should().BeTrue("Subscribed completes once Subscribe has returned");
        subject.HasObservers.Should().BeTrue();
        for (int i = 0; i < 3; i++) subject.OnNext(i);
        subject.OnCompleted();

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        output.Should().Equal(-1, 0, 1, 2);
    }

    [Fact]
    public async Task Subscribed_Completes_ForASynchronousObservableThatFillsTheBufferInsideSubscribe()
    {
        // Observable.Range pushes everything inside Subscribe; under Block it returns only once the pipeline has read
        // nearly all of it, which a consumer awaiting Subscribed before reading would never let happen.
        var source = Observable.Range(0, 1000).ToSource(16, OverflowPolicy.Block, isBounded: true, name: "range");
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results, capacity: 8));
        var run = new BoundedExecutor().RunAsync(p.Build());

        await source.Subscribed.WaitAsync(TimeSpan.FromSeconds(10));
        (await results.ToListAsync()).Should().Equal(Enumerable.Range(0, 1000));
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AnEndlessSynchronousObservable_IsUnwoundWhenTheRunStops_AndWhatItPushedAfterIsCounted()
    {
        // Observable.Create with a loop pushes inside Subscribe and never returns from it: the subscription cannot be
        // disposed, so only OnNext can stop the producer.
        var producerLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endless = Observable.Create<int>((IObserver<int> observer) =>
        {
            try
            {
                for (int i = 0; ; i++) observer.OnNext(i);
            }
            finally
            {
                producerLeft.TrySetResult();
            }

#pragma warning disable CS0162 // the loop above never ends by itself
            return Disposable.Empty;
#pragma warning restore CS0162
        });
        // Block: nothing is dropped while the run reads, so what is counted is what came after it ended.
        var source = endless.ToSource(16, OverflowPolicy.Block, name: "endless");
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Action<int>(_ => { }));
        var run = Streaming().Start(p.Build());
        await Eventually.HoldsAsync(() => run.ElementsRead > 1_000, "elements are read");
        source.DroppedCount.Should().Be(0);

        await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(10));

        await producerLeft.Task.WaitAsync(TimeSpan.FromSeconds(10));
        source.DroppedCount.Should().BeGreaterThan(0, "the element pushed after the run ended (or waiting for room when it did) is counted");
    }

    [Fact]
    public async Task OnError_WithACancellation_FailsTheRunNamingTheSource()
    {
        var p = new PipelineBuilder();
        p.From(Observable.Throw<int>(new TaskCanceledException("the request timed out")).ToSource(16, OverflowPolicy.Block, isBounded: true, name: "quotes"))
            .To(Sinks.Action<int>(_ => { }));
        var pipeline = p.Build();

        foreach (var run in new Func<Task>[] { () => new BoundedExecutor().RunAsync(pipeline), () => Streaming().RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(10)) })
        {
            var failure = (await run.Should().ThrowAsync<PipelineExecutionException>()).Which;
            failure.Message.Should().Contain("'quotes'").And.Contain("the request timed out");
            failure.InnerException!.InnerException.Should().BeOfType<TaskCanceledException>();
        }
    }

    [Fact]
    public void Create_ValidatesItsArguments()
    {
        var never = Observable.Never<int>();
        ((Action)(() => ObservableSource.Create(never, 0, OverflowPolicy.Block))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => ObservableSource.Create(never, 4, (OverflowPolicy)42))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => ObservableSource.Create<int>(null!, 4, OverflowPolicy.Fail))).Should().Throw<ArgumentNullException>();
    }
}
