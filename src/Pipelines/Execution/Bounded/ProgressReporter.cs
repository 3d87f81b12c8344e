using Pipelines.Runtime;

namespace Pipelines.Execution.Bounded;

/// <summary>Sends <see cref="RunProgress"/> to the user's <see cref="IProgress{T}"/>, at most once per interval.</summary>
internal sealed class ProgressReporter(IProgress<RunProgress>? progress, IReadOnlyList<SourceRunner> runners, RunCounters counters, TimeProvider timeProvider, TimeSpan interval)
{
    private readonly long _started = timeProvider.GetTimestamp();
    private long _last = long.MinValue;

    public void Report(bool force)
    {
        if (progress is null) return;
        long now = timeProvider.GetTimestamp();
        if (!force && _last != long.MinValue && timeProvider.GetElapsedTime(_last, now) < interval) return;
        _last = now;
        var sources = runners.Select(r => new SourceProgress(r.Name, r.ElementsRead, r.FractionRead, r.Completed)).ToList();
        progress.Report(new RunProgress(counters.ElementsRead, sources, timeProvider.GetElapsedTime(_started, now)));
    }
}
