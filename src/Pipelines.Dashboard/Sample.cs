using Pipelines.Diagnostics;

namespace Pipelines.Dashboard;

/// <summary>One run's counters at <paramref name="At"/> (the dashboard's clock).</summary>
internal sealed record Sample(DateTimeOffset At, RunSnapshot Snapshot);
