namespace Pipelines.Diagnostics;

/// <summary>What a <see cref="GraphNode"/> is.</summary>
public enum NodeKind
{
    /// <summary>A source: where elements enter.</summary>
    Source,

    /// <summary>An operator: per-element (fused into the task before it) or keyed (a stage with its own workers).</summary>
    Operator,

    /// <summary>A sink: where results leave.</summary>
    Sink,
}
