namespace Pipelines.Sql.Syntax;

internal abstract record Statement(Position Position);

internal sealed record ColumnDefinition(string Name, SqlType Type, Position Position);

internal sealed record WatermarkDefinition(string Column, Expr Expression, Position Position);

/// <summary>PRIMARY KEY (a, b) NOT ENFORCED in a column list.</summary>
internal sealed record PrimaryKeyDefinition(IReadOnlyList<string> Columns, Position Position);

internal sealed record CreateTableStatement(
    string Name,
    IReadOnlyList<ColumnDefinition> Columns,
    WatermarkDefinition? Watermark,
    IReadOnlyDictionary<string, string> Options,
    Position Position,
    PrimaryKeyDefinition? PrimaryKey = null) : Statement(Position);

internal sealed record QueryStatement(SelectQuery Query) : Statement(Query.Position);

internal sealed record InsertStatement(string Table, Position TablePosition, SelectQuery Query, Position Position) : Statement(Position);

internal sealed record ExplainStatement(Statement Inner, Position Position) : Statement(Position);

internal sealed record SetStatement(string Key, string Value, Position Position) : Statement(Position);

internal sealed record SelectItem(Expr? Expression, string? Alias, string? StarQualifier, Position Position)
{
    public bool IsStar => Expression is null;
}

/// <summary>An ORDER BY item; NULL sorts last unless <paramref name="NullsFirst"/> (NULLS FIRST).</summary>
internal sealed record OrderItem(Expr Expression, bool Descending, bool NullsFirst = false);

internal sealed record SelectQuery(
    IReadOnlyList<SelectItem> Items,
    FromItem From,
    Expr? Where,
    IReadOnlyList<Expr> GroupBy,
    Expr? Having,
    IReadOnlyList<OrderItem> OrderBy,
    int? Limit,
    Position Position);

internal abstract record FromItem(string? Alias, Position Position);

/// <summary>A table by name; <paramref name="AsOf"/> is the time of FOR SYSTEM_TIME AS OF, when the table is read as of a time (a temporal join).</summary>
internal sealed record TableFrom(string Name, string? Alias, Position Position, Expr? AsOf = null) : FromItem(Alias, Position);

internal enum WindowKind
{
    Tumble,
    Hop,
    Session,
    Cumulate,
}

/// <summary>TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL …)) and its siblings.</summary>
internal sealed record WindowFrom(
    WindowKind Kind,
    TableFrom Table,
    IReadOnlyList<ColumnExpr> PartitionBy,
    ColumnExpr TimeColumn,
    IReadOnlyList<Expr> Arguments,
    string? Alias,
    Position Position) : FromItem(Alias, Position);

internal enum JoinKind
{
    Inner,
    Left,
}

internal sealed record JoinFrom(FromItem Left, FromItem Right, Expr On, Position Position, JoinKind Kind = JoinKind.Inner) : FromItem(null, Position);
