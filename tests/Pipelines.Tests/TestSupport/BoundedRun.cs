namespace Pipelines.Tests.TestSupport;

/// <summary>Builds one pipeline, runs it on the <see cref="BoundedExecutor"/> and collects what reaches its sink.</summary>
internal static class BoundedRun
{
    /// <summary>Zero out-of-orderness: the bounded executor ignores the watermark strategy anyway.</summary>
    public static readonly WatermarkStrategy NoDelay = Watermarks.BoundedOutOfOrderness(TimeSpan.Zero);

    public static async Task<List<TOut>> CollectAsync<TOut>(Func<PipelineBuilder, DataStream<TOut>> define, BoundedExecutorOptions? options = null)
    {
        var (results, _) = await CollectWithSummaryAsync(define, options);
        return results;
    }

    public static async Task<(List<TOut> Results, RunSummary Summary)> CollectWithSummaryAsync<TOut>(
        Func<PipelineBuilder, DataStream<TOut>> define, BoundedExecutorOptions? options = null)
    {
        var results = new List<TOut>();
        var p = new PipelineBuilder();
        define(p).To(Sinks.Collection(results));
        var summary = await new BoundedExecutor(options).RunAsync(p.Build());
        return (results, summary);
    }

    /// <summary>A source of <paramref name="events"/> with event time <see cref="Ev.Time"/>.</summary>
    public static DataStream<Ev> Events(this PipelineBuilder p, params Ev[] events) =>
        p.From(Sources.Enumerable(events, "events")).WithEventTime(e => e.Time, NoDelay);

    /// <summary>A source of <paramref name="events"/> with event time <see cref="Ev.Time"/>, with a name.</summary>
    public static DataStream<Ev> Events(this PipelineBuilder p, string name, IEnumerable<Ev> events) =>
        p.From(Sources.Enumerable(events, name)).WithEventTime(e => e.Time, NoDelay);

    /// <summary>Windows of a result as (key, start, end, value) for compact comparisons.</summary>
    public static List<(TKey Key, DateTimeOffset Start, DateTimeOffset End, TValue Value)> Flat<TKey, TValue>(this IEnumerable<WindowResult<TKey, TValue>> results) =>
        results.Select(r => (r.Key, r.Window.Start, r.Window.End, r.Value)).ToList();
}
