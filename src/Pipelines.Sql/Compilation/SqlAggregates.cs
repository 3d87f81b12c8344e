namespace Pipelines.Sql.Compilation;

/// <summary>
/// The per-call steps of the aggregates compiled into a query's accumulator. Each call keeps a small value in a
/// field of the accumulator struct (a count, a sum and count, the best value so far), so a window's state is one
/// struct: no object per call and nothing boxed. Only COUNT(DISTINCT) needs a set, made at its first value.
/// NULL arguments are skipped, as SQL says.
/// </summary>
internal static class SqlAggregates
{
    // COUNT(*) adds one per row; COUNT(x) counts the values that are not NULL.
    public static long CountStar(long count) => count + 1;

    public static long Count<T>(long count, T value) => value is null ? count : count + 1;

    public static long MergeCount(long left, long right) => left + right;

    public static long? CountResult(long count) => count;

    // SUM and AVG keep (sum, count); the count tells an empty group (NULL) from a sum of zero.
    public static (long Sum, long Count) Sum((long Sum, long Count) state, long? value) =>
        value is null ? state : (checked(state.Sum + value.Value), state.Count + 1);

    public static (double Sum, long Count) Sum((double Sum, long Count) state, double? value) =>
        value is null ? state : (state.Sum + value.Value, state.Count + 1);

    public static (decimal Sum, long Count) Sum((decimal Sum, long Count) state, decimal? value) =>
        value is null ? state : (state.Sum + value.Value, state.Count + 1);

    public static (long Sum, long Count) MergeSum((long Sum, long Count) left, (long Sum, long Count) right) => (checked(left.Sum + right.Sum), left.Count + right.Count);

    public static (double Sum, long Count) MergeSum((double Sum, long Count) left, (double Sum, long Count) right) => (left.Sum + right.Sum, left.Count + right.Count);

    public static (decimal Sum, long Count) MergeSum((decimal Sum, long Count) left, (decimal Sum, long Count) right) => (left.Sum + right.Sum, left.Count + right.Count);

    public static long? SumResult((long Sum, long Count) state) => state.Count == 0 ? null : state.Sum;

    public static double? SumResult((double Sum, long Count) state) => state.Count == 0 ? null : state.Sum;

    public static decimal? SumResult((decimal Sum, long Count) state) => state.Count == 0 ? null : state.Sum;

    public static double? AverageResult((long Sum, long Count) state) => state.Count == 0 ? null : (double)state.Sum / state.Count;

    public static double? AverageResult((double Sum, long Count) state) => state.Count == 0 ? null : state.Sum / state.Count;

    public static decimal? AverageResult((decimal Sum, long Count) state, int scale) =>
        state.Count == 0 ? null : Math.Round(state.Sum / state.Count, scale, MidpointRounding.AwayFromZero);

    // MIN and MAX keep the best value so far (NULL until the first value). Strings compare ordinally, as in WHERE.
    public static T? Min<T>(T? best, T? value)
        where T : struct, IComparable<T> =>
        value is null ? best : best is null || value.Value.CompareTo(best.Value) < 0 ? value : best;

    public static T? Max<T>(T? best, T? value)
        where T : struct, IComparable<T> =>
        value is null ? best : best is null || value.Value.CompareTo(best.Value) > 0 ? value : best;

    public static string? Min(string? best, string? value) =>
        value is null ? best : best is null || string.CompareOrdinal(value, best) < 0 ? value : best;

    public static string? Max(string? best, string? value) =>
        value is null ? best : best is null || string.CompareOrdinal(value, best) > 0 ? value : best;

    // COUNT(DISTINCT x): the set of values seen, made at the first one.
    public static HashSet<T>? Distinct<T>(HashSet<T>? seen, T value)
    {
        if (value is null) return seen;
        seen ??= [];
        seen.Add(value);
        return seen;
    }

    public static HashSet<T>? MergeDistinct<T>(HashSet<T>? left, HashSet<T>? right)
    {
        if (left is null) return right is null ? null : [.. right];
        if (right is not null) left.UnionWith(right);
        return left;
    }

    public static long? DistinctResult<T>(HashSet<T>? seen) => seen?.Count ?? 0;
}
