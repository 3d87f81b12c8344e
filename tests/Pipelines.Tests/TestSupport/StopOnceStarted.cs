namespace Pipelines.Tests.TestSupport;

/// <summary>
/// Runs a pipeline until a call of it has started, then ends the run the way each executor is ended from outside:
/// the bounded run's token cancelled, the streaming run stopped without draining. The call never completes and
/// ignores its token, so the run must end without waiting on it. The deadline only turns a hang into a failure
/// (a <see cref="TimeoutException"/>).
/// </summary>
internal static class StopOnceStarted
{
    public static async Task EndsAsync(string executor, Pipeline pipeline, Task started, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource();
        if (executor == "bounded")
        {
            var run = new BoundedExecutor().RunAsync(pipeline, cts.Token);
            await started.WaitAsync(deadline);
            await cts.CancelAsync();
            await run.WaitAsync(deadline).Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        }
        else
        {
            var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).Start(pipeline);
            await started.WaitAsync(deadline);
            await run.StopAsync(drain: false).WaitAsync(deadline);
        }
    }
}
