namespace Pipelines;

/// <summary>When a window result (a pane) was emitted relative to the watermark.</summary>
public enum PaneTiming
{
    /// <summary>Before the watermark passed the window's end (an early trigger fired).</summary>
    Early,

    /// <summary>When the watermark passed the window's end; the bounded executor emits only these.</summary>
    OnTime,

    /// <summary>After the on-time pane, for an element that arrived late but within the allowed lateness.</summary>
    Late,
}
