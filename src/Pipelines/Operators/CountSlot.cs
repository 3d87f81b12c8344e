namespace Pipelines.Operators;

/// <summary>
/// State of one key's count window: the accumulator and element count of its current window (tumbling), or the
/// key's last elements and the count since the last result (sliding); the span of their event times and the index
/// of the next result.
/// </summary>
internal struct CountSlot<TIn, TAcc>
{
    public TAcc Accumulator;

    /// <summary>Elements in the current window (tumbling), or since the last result (sliding).</summary>
    public int Count;

    /// <summary>Index the next result gets.</summary>
    public int PaneIndex;

    /// <summary>Earliest and latest event time of the current window's elements (tumbling).</summary>
    public long Earliest;

    public long Latest;

    /// <summary>Tumbling: the operator's sequence number of the current window's first element (for held barriers).</summary>
    public long FirstSeq;

    /// <summary>Sliding windows: the key's last elements, oldest first, with their event times.</summary>
    public List<TIn>? Values;

    public List<long>? Stamps;
}
