using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>SelectAsync</c> with options (unordered, timeout, retries) and <c>SelectParallel</c>, on both executors.</summary>
public class SelectAsyncOptionsTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<RunSummary> Start(string executor, PipelineBuilder p, TimeProvider? clock = null) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16, TimeProvider = clock ?? TimeProvider.System }).RunAsync(p.Build())
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16, TimeProvider = clock ?? TimeProvider.System }).RunAsync(p.Build());

    /// <summary>Moves the fake clock on in small steps until the run ends (the run waits on the clock for timeouts and retry delays).</summary>
    private static async Task<RunSummary> PumpAsync(Task<RunSummary> run, FakeTimeProvider clock, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!run.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The run did not end.");
            clock.Advance(step);
            await Task.WhenAny(run, Task.Delay(2));
        }

        return await run;
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Unordered_EmitsResultsAsTheyComplete_SoASlowCallHoldsNothingBack(string executor)
    {
        // Element 0's call ends only once the other nine results have reached the sink: ordered, this would never end.
        var othersOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 10)))
            .SelectAsync(async (i, ct) =>
            {
                if (i == 0) await othersOut.Task.WaitAsync(ct);
                else await Task.Yield();
                return i;
            }, new SelectAsyncOptions { MaxConcurrency = 10, Ordered = false })
            .To(Sinks.Action<int>(i =>
            {
                results.Enqueue(i);
                if (results.Count == 9) othersOut.TrySetResult();
            }));

        await Start(executor, p).WaitAsync(Deadline);

        results.Should().HaveCount(10);
        results.Last().Should().Be(0);
        results.Order().Should().Equal(Enumerable.Range(0, 10));
    }

    [Fact]
    public async Task Unordered_NeverPassesAWatermark_AndCallsNothingAfterItBeforeItHasPassed()
    {
        var slow = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = new ConcurrentQueue<string>();
        var harness = new OperatorHarness<string, string>((context, output) => new SelectAsync<string, string>(
            (s, ct) =>
            {
                calls.Enqueue(s);
                return s == "a" ? slow.Task : Task.FromResult(s);
            },
            new SelectAsyncOptions { MaxConcurrency = 8, Ordered = false },
            TimeProvider.System,
            output,
            context));

        harness.Element("a", 10).Element("b", 20).Watermark(50).Element("c", 60);
        var drain = harness.Operator.DrainAsync(CancellationToken.None).AsTask();
        await Task.Delay(20);
        calls.Should().Equal(["a", "b"], "c comes after the watermark, which waits for a");
        drain.IsCompleted.Should().BeFalse();

        slow.SetResult("a");
        await drain.WaitAsync(Deadline);
        harness.Output.Log.Should().Equal("e:b", "e:a", "w:50", "e:c");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Unordered_KeepsEveryResultInItsEventTimeWindow(string executor)
    {
        var events = Enumerable.Range(0, 300).Select(i => Ev.At($"k{i % 3}", i, 1)).ToArray();
        var counts = new List<WindowResult<string, int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .SelectAsync(async (e, ct) =>
            {
                for (int y = 0; y < (e.Time.Second * 7) % 5; y++) await Task.Yield();
                return e;
            }, new SelectAsyncOptions { Ordered = false, MaxConcurrency = 16 })
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(e => e.Value)
            .To(Sinks.Collection(counts));

        var summary = await Start(executor, p).WaitAsync(Deadline);

        summary.LateElementsDropped.Should().Be(0);
        counts.Sum(c => c.Value).Should().Be(300);
        counts.Should().HaveCount(15).And.OnlyContain(c => c.Value == 20);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ACallPastItsTimeout_IsCancelled_AndHandledByTheErrorPolicy(string executor)
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var cancelled = new ConcurrentBag<int>();
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 6)))
            .SelectAsync(async (i, ct) =>
            {
                if (i % 3 != 1) return i;
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    cancelled.Add(i);
                    throw;
                }

                return i;
            }, new SelectAsyncOptions { Timeout = TimeSpan.FromSeconds(5) })
            .OnError(ErrorPolicy.Skip)
            .To(Sinks.Action<int>(results.Enqueue));

        var summary = await PumpAsync(Start(executor, p, clock), clock, TimeSpan.FromSeconds(1));

        results.Should().Equal(0, 2, 3, 5);
        summary.ElementsSkipped.Should().Be(2);

        // The timed-out calls see their token cancelled; the run does not wait for them to notice.
        var deadline = DateTime.UtcNow + Deadline;
        while (cancelled.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(5);
        cancelled.Order().Should().Equal(1, 4);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task FailedCalls_AreRetried_AndOnlyTheLastFailureReachesTheErrorPolicy(string executor)
    {
        var attempts = new ConcurrentDictionary<int, int>();
        var dead = new List<DeadLetter>();
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(0, 8)))
            .SelectAsync((i, ct) =>
            {
                int attempt = attempts.AddOrUpdate(i, 1, (_, n) => n + 1);

                // Odd elements fail twice, then succeed; element 6 always fails.
                return (i % 2 == 1 && attempt <= 2) || i == 6 ? Task.FromException<int>(new IOException($"{i} attempt {attempt}")) : Task.FromResult(i);
            }, new SelectAsyncOptions { MaxRetries = 2, RetryDelay = TimeSpan.Zero })
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Action<int>(results.Enqueue));

        var summary = await Start(executor, p).WaitAsync(Deadline);

        results.Should().Equal(0, 1, 2, 3, 4, 5, 7);
        attempts[6].Should().Be(3, "one attempt and two retries");
        attempts[0].Should().Be(1);
        dead.Should().ContainSingle().Which.Should().Match<DeadLetter>(d => Equals(d.Element, 6) && d.Exception.Message == "6 attempt 3");
        summary.ElementsDeadLettered.Should().Be(1);
    }

    [Fact]
    public async Task Retries_WaitTheirDelayOnTheRunsClock_DoublingEachTime()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var times = new ConcurrentQueue<DateTimeOffset>();
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { "x" }))
            .SelectAsync((s, ct) =>
            {
                times.Enqueue(clock.GetUtcNow());
                return times.Count <= 2 ? Task.FromException<string>(new IOException("busy")) : Task.FromResult(s + "!");
            }, new SelectAsyncOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromSeconds(10) })
            .To(Sinks.Collection(results));

        await PumpAsync(Start("bounded", p, clock), clock, TimeSpan.FromSeconds(1));

        results.Should().Equal("x!");
        var t = times.ToArray();
        t.Should().HaveCount(3);
        (t[1] - t[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(10)).And.BeLessThan(TimeSpan.FromSeconds(12));
        (t[2] - t[1]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(20)).And.BeLessThan(TimeSpan.FromSeconds(22));
    }

    [Fact]
    public async Task FiftyRetries_WaitAtMostMaxRetryDelayEach_AndTheRealErrorIsReported()
    {
        // Doubling from 100 ms without a cap, the 27th delay would be more than Task.Delay accepts and the element
        // would fail with an ArgumentOutOfRangeException instead of its own error.
        var clock = new FakeTimeProvider(Ev.T0);
        var times = new ConcurrentQueue<DateTimeOffset>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { "x" }))
            .SelectAsync<string>((s, ct) =>
            {
                times.Enqueue(clock.GetUtcNow());
                return Task.FromException<string>(new IOException("service down"));
            }, new SelectAsyncOptions { MaxRetries = 50 })
            .To(Sinks.Collection(new List<string>()));

        var act = () => PumpAsync(Start("bounded", p, clock), clock, TimeSpan.FromSeconds(5));

        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("service down");
        failure.InnerException.Should().BeOfType<IOException>();
        var t = times.ToArray();
        t.Should().HaveCount(51, "the first attempt and fifty retries");
        var gaps = t.Zip(t.Skip(1), (a, b) => b - a).ToArray();
        gaps.Should().OnlyContain(g => g < TimeSpan.FromSeconds(35), "no wait is longer than MaxRetryDelay (30 s) and a step of the clock");
        gaps[^1].Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(30), "the delays doubled up to the cap");
    }

    [Fact]
    public void MaxRetryDelay_IsValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { MaxRetryDelay = TimeSpan.FromSeconds(-1) })).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxRetryDelay*");
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { MaxRetryDelay = TimeSpan.FromDays(50) })).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxRetryDelay*49 days*");
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { MaxRetryDelay = TimeSpan.FromDays(49) })).Should().NotThrow();
    }

    [Fact]
    public void Options_AreValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { Timeout = TimeSpan.Zero })).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Timeout*");
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { MaxRetries = -1 })).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.SelectAsync((i, ct) => Task.FromResult(i), new SelectAsyncOptions { MaxConcurrency = 0 })).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.SelectParallel(i => i, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task SelectParallel_RunsTheFunctionOnSeveralThreadsAtOnce_AndKeepsTheOrder(string executor)
    {
        // The first two calls each wait (blocking, as CPU-bound work holds its thread) until the other has started:
        // run one at a time, they would wait out their 20-second limit and fail.
        using var both = new CountdownEvent(2);
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 200)))
            .SelectParallel(i =>
            {
                if (i < 2)
                {
                    both.Signal();
                    if (!both.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("not parallel");
                }

                return Enumerable.Range(0, 200).Aggregate(i, (a, x) => unchecked(a * 31 + x));
            }, parallelism: 2)
            .To(Sinks.Collection(results));

        await Start(executor, p).WaitAsync(Deadline);

        results.Should().Equal(Enumerable.Range(0, 200).Select(i => Enumerable.Range(0, 200).Aggregate(i, (a, x) => unchecked(a * 31 + x))));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task SelectParallel_Unordered_GivesEveryResult_AndFailuresGoToTheErrorPolicy(string executor)
    {
        var dead = new List<DeadLetter>();
        var results = new ConcurrentQueue<int>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Enumerable.Range(0, 100)))
            .SelectParallel(i => i == 42 ? throw new FormatException("bad 42") : i * 2, parallelism: 4, ordered: false)
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Action<int>(results.Enqueue));

        await Start(executor, p).WaitAsync(Deadline);

        results.Order().Should().Equal(Enumerable.Range(0, 100).Where(i => i != 42).Select(i => i * 2));
        dead.Should().ContainSingle().Which.Should().Match<DeadLetter>(d => Equals(d.Element, 42) && d.Exception is FormatException && d.Operator.StartsWith("SelectParallel#"));
    }
}
