namespace Pipelines.Sql.Binding;

internal enum AggregateKind
{
    Count,
    CountStar,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

/// <summary>An aggregate call found in SELECT, HAVING or ORDER BY: which, over what (bound to the input element; null for COUNT(*)), and its result type.</summary>
internal sealed record AggregateCall(AggregateKind Kind, string Text, Typed? Argument, SqlType ArgumentType, SqlType ResultType);

/// <summary>What expressions after GROUP BY may name: grouping keys, window columns and aggregates, all read from the aggregate's output row.</summary>
internal sealed class AggregateContext(Scope input, ColumnReader inputRead)
{
    public Scope Input { get; } = input;

    /// <summary>How aggregate arguments read the input element's columns.</summary>
    public ColumnReader InputRead { get; } = inputRead;

    /// <summary>Grouping expressions by their normalised text, with their input column if they are plain columns.</summary>
    public List<(string Text, int? InputColumn, SqlType Type)> Keys { get; } = [];

    /// <summary>Whether the output row has window_start, window_end and window_time after the keys.</summary>
    public bool Windowed { get; set; }

    public List<AggregateCall> Aggregates { get; } = [];

    public int WindowOffset => Keys.Count;

    public int AggregateOffset => Keys.Count + (Windowed ? 3 : 0);
}
