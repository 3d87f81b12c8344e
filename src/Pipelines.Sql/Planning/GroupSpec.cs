using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Planning;

/// <summary>
/// A GROUP BY as the planner decided it: the keys and aggregate arguments (bound to the input element), the
/// window, and the timing settings. The grouped element's columns are the keys, then window_start, window_end and
/// window_time when <see cref="Windowed"/>, then the aggregates.
/// </summary>
internal sealed record GroupSpec(
    IReadOnlyList<Typed> Keys,
    IReadOnlyList<AggregateCall> Calls,
    WindowAssigner Assigner,
    bool Windowed,
    TimeSpan Lateness,
    TimeSpan? EarlyFire,
    string Name);
