using Pipelines.Diagnostics;

namespace Pipelines.Tests.TestSupport;

/// <summary>Finds runs in the process-wide <see cref="PipelineMonitor"/>, the way a dashboard would.</summary>
internal static class MonitoredRuns
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>The run of <paramref name="pipeline"/>, once listed (a streaming run is listed when its tasks start, just after <c>Start</c> returns).</summary>
    public static async Task<MonitoredRun> NamedAsync(string pipeline)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (PipelineMonitor.Runs.SingleOrDefault(r => r.Pipeline == pipeline) is { } run) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Pipeline {pipeline} was not listed within {Patience}.");
            await Task.Delay(5);
        }
    }
}
