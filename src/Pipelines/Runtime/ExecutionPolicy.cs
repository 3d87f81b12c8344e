namespace Pipelines.Runtime;

/// <summary>
/// How an executor drives the operators, handed to them instead of telling them which executor runs them.
/// </summary>
/// <param name="WatermarksDuringRun">
/// True when the watermark advances while input is read (the streaming executor): event-time assignment tracks
/// watermarks and windows may emit early panes. False when it stays at −∞ until the end of input and then jumps to
/// +∞ (the bounded executor): nothing is late and every window fires exactly once.
/// </param>
internal sealed record ExecutionPolicy(bool WatermarksDuringRun)
{
    /// <summary>The bounded executor's policy.</summary>
    public static readonly ExecutionPolicy Bounded = new(false);

    /// <summary>The streaming executor's policy.</summary>
    public static readonly ExecutionPolicy Continuous = new(true);

    /// <summary>Whether early panes (by count or processing time) are emitted: only when the watermark advances during the run, since otherwise every window fires once, complete.</summary>
    public bool EarlyPanes => WatermarksDuringRun;
}
