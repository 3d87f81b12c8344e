using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>
/// A cancellation a user function throws by itself — an <c>HttpClient</c> timeout is a <see cref="TaskCanceledException"/> —
/// is that element's failure, under the error policy, named with its operator and element; only a cancellation of
/// the run itself ends the run as cancelled. And a sink write that ignores its token does not keep a stopped or
/// cancelled run from ending.
/// </summary>
public class UserCancellationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly int[] Input = [1, 2, 3, 4, 5];

    public static TheoryData<string> Executors => new() { "bounded", "streaming" };

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p, CancellationToken cancellationToken = default) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 2 }).RunAsync(p.Build(), cancellationToken).WaitAsync(Deadline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 1, MaxBatchSize = 2 }).RunAsync(p.Build(), cancellationToken).WaitAsync(Deadline);

    /// <summary>What an HTTP call that timed out throws: a cancellation no token of the run asked for.</summary>
    private static TaskCanceledException TimedOut(int x) => new($"The request for {x} was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Skip_AnAsyncSinkActionThatTimesOut_SkipsThatElement_AndTheRunGoesOn(string executor)
    {
        var written = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(async (x, ct) =>
        {
            await Task.Yield();
            if (x == 3) throw TimedOut(x);
            written.Enqueue(x);
        }));

        var summary = await RunAsync(executor, p);

        written.Should().BeEquivalentTo([1, 2, 4, 5]);
        summary.ElementsSkipped.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task DeadLetter_ASyncSinkActionThatTimesOut_DeadLettersThatElement(string executor)
    {
        var dead = new List<DeadLetter>();
        var written = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(x => written.Add(x == 4 ? throw TimedOut(x) : x)));

        var summary = await RunAsync(executor, p);

        written.Should().Equal(1, 2, 3, 5);
        dead.Should().ContainSingle().Which.Should().Match<DeadLetter>(d => (int)d.Element! == 4 && d.Exception is TaskCanceledException);
        summary.ElementsDeadLettered.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Skip_ASelectThatTimesOut_SkipsThatElement(string executor)
    {
        var results = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Input)).Select(x => x == 2 ? throw TimedOut(x) : x * 10).To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p);

        results.Should().Equal(10, 30, 40, 50);
        summary.ElementsSkipped.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Fail_ASelectThatTimesOut_FailsTheRun_NamingTheOperatorAndTheElement(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).Select(x => x == 2 ? throw TimedOut(x) : x).Named("enrich").To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(executor, p);

        var error = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        error.Message.Should().Contain("enrich").And.Contain("2");
        error.InnerException.Should().BeOfType<TaskCanceledException>();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task CancellingTheRun_StillEndsItAsCancelled(string executor)
    {
        using var cts = new CancellationTokenSource();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Enumerable.Range(0, 1_000_000))).Select(x =>
        {
            if (x == 10) cts.Cancel();
            cts.Token.ThrowIfCancellationRequested();
            return x;
        }).To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(executor, p, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task StoppingOrCancelling_EndsTheRun_EvenWhenASinkWriteIgnoresTheToken(string executor)
    {
        // A write that never completes and never looks at the token: the run must not wait on it once stopped.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>((x, ct) =>
        {
            started.TrySetResult();
            return new ValueTask(never.Task);
        }));

        await StopOnceStarted.EndsAsync(executor, p.Build(), started.Task, Deadline);
        never.TrySetException(new IOException("completes after the run: observed, not unobserved"));
    }
}
