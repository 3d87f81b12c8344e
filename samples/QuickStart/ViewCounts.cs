using Pipelines;

namespace QuickStart;

/// <summary>The pipeline, defined once and run by both executors: page views per page and minute.</summary>
public static class ViewCounts
{
    /// <summary>How far behind the newest event an event may arrive and still be on time.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(5);

    /// <summary>How long after a window's end late events still update it (with a Late pane).</summary>
    public static readonly TimeSpan AllowedLateness = TimeSpan.FromMinutes(1);

    /// <summary>
    /// clicks → views only → by page → 1-minute windows → count. Events later than the allowed lateness go to
    /// <paramref name="late"/> when given (they are counted in <see cref="RunSummary.LateElementsDropped"/> either way).
    /// </summary>
    public static Pipeline Define(Source<Click> source, Sink<WindowResult<string, long>> results, Sink<Click>? late = null)
    {
        var p = new PipelineBuilder();
        var counts = p.From(source)
            .WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(OutOfOrderness))
            .Where(c => c.Kind == "view")
            .KeyBy(c => c.Page)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .AllowedLateness(AllowedLateness)
            .Count();

        counts.To(results);
        if (late is not null) counts.LateElements().To(late);
        return p.Build();
    }
}
