namespace Pipelines.Aggregation;

/// <summary>
/// An aggregator that may have been made without a way to merge accumulators (the lambda aggregates, and the
/// combinations that hold one): merging windows (sessions) ask it up front instead of failing mid-run when two
/// sessions first meet. Aggregators without this interface merge.
/// </summary>
internal interface IMayNotMerge
{
    /// <summary>Whether <see cref="IAggregator{TIn,TAcc,TOut}.Merge"/> works.</summary>
    bool CanMerge { get; }
}

/// <summary>Whether aggregators merge.</summary>
internal static class Mergeable
{
    /// <summary>Whether <paramref name="aggregator"/> merges: true unless it says it cannot.</summary>
    public static bool CanMerge(object aggregator) => aggregator is not IMayNotMerge { CanMerge: false };
}
