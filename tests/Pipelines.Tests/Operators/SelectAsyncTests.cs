using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>SelectAsync</c>: bounded concurrency, results in input order, the run's token, errors through the policy; both executors.</summary>
public class SelectAsyncTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p, CancellationToken cancellationToken = default) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build(), cancellationToken).WaitAsync(Deadline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16 }).RunAsync(p.Build(), cancellationToken).WaitAsync(Deadline);

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Results_ComeInInputOrder_EvenWhenLaterCallsFinishFirst(string executor)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 100)))
            .SelectAsync(async (i, ct) =>
            {
                // Earlier elements of a batch take longer: their calls complete after later ones.
                for (int y = 0; y < 16 - (i % 16); y++) await Task.Yield();
                return $"#{i}";
            }, maxConcurrency: 8)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p);

        results.Should().Equal(Enumerable.Range(0, 100).Select(i => $"#{i}"));
        summary.ResultsWritten.Should().Be(100);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Calls_OverlapUpToTheBound_AndNeverBeyondIt(string executor)
    {
        const int bound = 4;
        int inFlight = 0, peak = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 64)))
            .SelectAsync(async (i, ct) =>
            {
                int now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref peak, now);
                if (now == bound) allStarted.TrySetResult();

                // The first calls wait until the bound is reached: with fewer calls at once this would never end.
                if (i < bound) await allStarted.Task.WaitAsync(ct);
                else await Task.Yield();
                Interlocked.Decrement(ref inFlight);
                return i * 2;
            }, maxConcurrency: bound)
            .To(Sinks.Collection(results));

        await RunAsync(executor, p);

        results.Should().Equal(Enumerable.Range(0, 64).Select(i => i * 2));
        peak.Should().Be(bound);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task EventTime_IsKept_SoWindowsDownstreamGiveTheSameResults(string executor)
    {
        var events = Enumerable.Range(0, 200).Select(i => Ev.At($"k{i % 3}", i, i)).ToArray();
        var counts = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .SelectAsync(async (e, ct) => { await Task.Yield(); return e with { Value = e.Value * 10 }; })
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(e => e.Value)
            .To(Sinks.Collection(counts));

        await RunAsync(executor, p);

        var expected = events.GroupBy(e => (e.Key, Minute: (int)(e.Time - Ev.T0).TotalMinutes))
            .Select(g => (g.Key.Key, Start: Ev.T0.AddMinutes(g.Key.Minute), Sum: g.Sum(e => e.Value * 10)))
            .OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal);
        counts.Where(r => r.Timing == PaneTiming.OnTime).Select(r => (r.Key, r.Window.Start, r.Value))
            .OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Should().Equal(expected);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task FailingCalls_UnderSkip_AreCounted_AndTheOthersKeepTheirOrder(string executor)
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 40)))
            .SelectAsync<int>((i, ct) => i switch
            {
                7 => throw new InvalidOperationException("thrown before the task"),
                21 => Task.FromException<int>(new IOException("faulted task")),
                33 => Task.FromCanceled<int>(new CancellationToken(canceled: true)),
                _ => Task.FromResult(i),
            })
            .OnError(ErrorPolicy.Skip)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p);

        results.Should().Equal(Enumerable.Range(0, 40).Where(i => i is not (7 or 21 or 33)));
        summary.ElementsSkipped.Should().Be(3);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task FailingCall_UnderDeadLetter_SendsTheElementAndItsError(string executor)
    {
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(0, 10)))
            .SelectAsync(async (i, ct) => { await Task.Yield(); return i == 4 ? throw new IOException("lookup failed") : i; })
            .To(Sinks.Action<int>(_ => { }));

        var summary = await RunAsync(executor, p);

        dead.Should().ContainSingle().Which.Should().Match<DeadLetter>(d => Equals(d.Element, 4) && d.Exception is IOException && d.Operator.StartsWith("SelectAsync#"));
        summary.ElementsDeadLettered.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task FailingCall_UnderFail_FailsTheRunNamingTheOperatorAndTheElement(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 10)))
            .SelectAsync(async (i, ct) => { await Task.Yield(); return i == 4 ? throw new IOException("lookup failed") : i; })
            .To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(executor, p);

        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Operator.Should().StartWith("SelectAsync#");
        failure.Element.Should().Be(4);
        failure.Message.Should().Contain("lookup failed");
        failure.InnerException.Should().BeOfType<IOException>();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TheCallsGetTheRunsToken_SoCancellingTheRunCancelsThem(string executor)
    {
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 }))
            .SelectAsync(async (i, ct) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return i;
            })
            .To(Sinks.Action<int>(_ => { }));

        var run = RunAsync(executor, p, cts.Token);
        await started.Task.WaitAsync(Deadline);
        await cts.CancelAsync();

        await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
    }

    public static TheoryData<string, int> ExecutorsAndParallelism => new()
    {
        { "bounded", 1 },
        { "streaming", 1 },
        { "streaming", 3 },
    };

    private static Task<RunSummary> RunAsync(string executor, int parallelism, PipelineBuilder p) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build()).WaitAsync(Deadline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = 16 }).RunAsync(p.Build()).WaitAsync(Deadline);

    [Theory]
    [MemberData(nameof(ExecutorsAndParallelism))]
    public async Task WindowResults_ThroughSelectAsync_ReachAWindowAfterIt_OnEveryExecutor(string executor, int parallelism)
    {
        // The first window's results come at the end of input on the bounded executor, together with +∞ and the end:
        // SelectAsync must emit them before passing those on, or the second window never counts them.
        var events = Enumerable.Range(0, 600).Select(i => Ev.At($"k{i % 3}", i * 10, i)).ToArray();
        var sums = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .SelectAsync(async (r, ct) => { await Task.Yield(); return (r.Key, r.Value); })
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(10)))
            .Sum(r => r.Value)
            .To(Sinks.Collection(sums));

        var summary = await RunAsync(executor, parallelism, p);

        var expected = events.GroupBy(e => (e.Key, Block: (int)(e.Time - Ev.T0).TotalMinutes / 10))
            .Select(g => (g.Key.Key, Start: Ev.T0.AddMinutes(g.Key.Block * 10), Sum: (long)g.Count()))
            .OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal);
        sums.Where(r => r.Timing == PaneTiming.OnTime).Select(r => (r.Key, r.Window.Start, r.Value))
            .OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Should().Equal(expected);
        summary.LateElementsDropped.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(ExecutorsAndParallelism))]
    public async Task BufferLists_ThroughSelectAsync_ReachAWindowAfterIt_TheLastOneToo(string executor, int parallelism)
    {
        // 650 events in lists of 100: the last list (50 events) is emitted only when +∞ arrives.
        var events = Enumerable.Range(0, 650).Select(i => Ev.At("k", i, i)).ToArray();
        var sums = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .Buffer(100)
            .SelectAsync(async (list, ct) => { await Task.Yield(); return list.Count; })
            .KeyBy(_ => "lists")
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(5)))
            .Sum(n => n)
            .To(Sinks.Collection(sums));

        var summary = await RunAsync(executor, parallelism, p);

        // A list has the time of its last event (second 100k + 99, or 649 for the last): minute-5 blocks.
        var expected = Enumerable.Range(0, 7)
            .Select(k => (Last: Math.Min(100 * k + 99, 649), Size: Math.Min(100, 650 - 100 * k)))
            .GroupBy(l => l.Last / 300)
            .Select(g => (Ev.T0.AddMinutes(g.Key * 5), g.Sum(l => l.Size)));
        sums.Where(r => r.Timing == PaneTiming.OnTime).Select(r => (r.Window.Start, r.Value)).OrderBy(r => r.Start)
            .Should().Equal(expected);
        summary.LateElementsDropped.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Stopping_EndsTheRun_EvenWhenTheFunctionIgnoresTheToken(string executor)
    {
        // A call that never completes and never looks at the token: the run must not wait on it once cancelled.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 }))
            .SelectAsync((i, ct) =>
            {
                started.TrySetResult();
                return never.Task;
            })
            .To(Sinks.Action<int>(_ => { }));

        await StopOnceStarted.EndsAsync(executor, p.Build(), started.Task, Deadline);
        never.TrySetException(new IOException("completes after the run: observed, not unobserved"));
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.SelectAsync<int>(null!)).Should().Throw<ArgumentNullException>();
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), maxConcurrency: 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
