namespace Pipelines.State;

/// <summary>State namespaces. A window is a namespace; state that belongs to a key alone uses <see cref="Global"/>.</summary>
internal static class Namespaces
{
    /// <summary>The namespace of per-key state: all of time.</summary>
    public static readonly Window Global = new(long.MinValue, long.MaxValue);
}
