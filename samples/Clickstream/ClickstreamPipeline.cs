using Pipelines;

namespace Clickstream;

/// <summary>
/// The pipeline, the same for yesterday's file and for the live feed: clicks → (a) by user → visits (session
/// windows, 30 min gap) and (b) views → by page → hourly counts.
/// </summary>
public static class ClickstreamPipeline
{
    public static readonly TimeSpan VisitGap = TimeSpan.FromMinutes(30);

    /// <summary>More than the logs' disorder, so nothing is late and the live results end equal to the file's.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(30);

    public static Pipeline Define(Source<ClickEvent> clicks, Sink<WindowResult<string, Visit>> visits, Sink<WindowResult<string, long>> hourlyViews)
    {
        var p = new PipelineBuilder("clickstream");
        var events = p.From(clicks).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(OutOfOrderness));

        events.KeyBy(e => e.User)
              .Window(Windows.Session(VisitGap))
              .Aggregate(new VisitAggregator())
              .To(visits);

        events.Where(e => e.Kind == "view")
              .KeyBy(e => e.Page)
              .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
              .Count()
              .To(hourlyViews);
        return p.Build();
    }
}
