using System.Linq.Expressions;

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

/// <summary>An aggregate call found in SELECT, HAVING or ORDER BY: which, over what (bound to the input row), and its result type.</summary>
internal sealed record AggregateCall(AggregateKind Kind, string Text, Func<Row, object?>? Argument, SqlType ArgumentType, SqlType ResultType);

/// <summary>What expressions after GROUP BY may name: grouping keys, window columns and aggregates, all read from the aggregate's output row.</summary>
internal sealed class AggregateContext(Scope input, ParameterExpression inputRow)
{
    public Scope Input { get; } = input;

    public ParameterExpression InputRow { get; } = inputRow;

    /// <summary>Grouping expressions by their normalised text, with their input column if they are plain columns.</summary>
    public List<(string Text, int? InputColumn, SqlType Type)> Keys { get; } = [];

    /// <summary>Whether the output row has window_start, window_end and window_time after the keys.</summary>
    public bool Windowed { get; set; }

    public List<AggregateCall> Aggregates { get; } = [];

    public int WindowOffset => Keys.Count;

    public int AggregateOffset => Keys.Count + (Windowed ? 3 : 0);
}
