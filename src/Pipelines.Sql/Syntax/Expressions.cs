namespace Pipelines.Sql.Syntax;

/// <summary>An expression as written. <see cref="Text"/> renders it back (normalised) for names and matching.</summary>
internal abstract record Expr(Position Position)
{
    public abstract string Text { get; }
}

internal sealed record LiteralExpr(object? Value, SqlType Type, Position Position) : Expr(Position)
{
    public override string Text => Value switch
    {
        null => "NULL",
        string s => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'",
        bool b => b ? "TRUE" : "FALSE",
        _ => Pipelines.Sql.Types.SqlValues.Format(Value),
    };
}

internal sealed record IntervalExpr(TimeSpan Value, string Written, Position Position) : Expr(Position)
{
    public override string Text => $"INTERVAL {Written}";
}

internal sealed record ColumnExpr(string? Qualifier, string Name, Position Position) : Expr(Position)
{
    public override string Text => Qualifier is null ? Name : $"{Qualifier}.{Name}";
}

internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, Position Position) : Expr(Position)
{
    public override string Text => $"({Left.Text} {Operator} {Right.Text})";
}

internal sealed record UnaryExpr(string Operator, Expr Operand, Position Position) : Expr(Position)
{
    public override string Text => $"({Operator} {Operand.Text})";
}

internal sealed record CallExpr(string Name, IReadOnlyList<Expr> Arguments, bool Distinct, bool Star, Position Position) : Expr(Position)
{
    public override string Text => $"{Name.ToUpperInvariant()}({(Distinct ? "DISTINCT " : string.Empty)}{(Star ? "*" : string.Join(", ", Arguments.Select(a => a.Text)))})";
}

internal sealed record CaseExpr(Expr? Operand, IReadOnlyList<(Expr When, Expr Then)> Branches, Expr? Else, Position Position) : Expr(Position)
{
    public override string Text =>
        $"CASE{(Operand is null ? string.Empty : " " + Operand.Text)}{string.Concat(Branches.Select(b => $" WHEN {b.When.Text} THEN {b.Then.Text}"))}{(Else is null ? string.Empty : " ELSE " + Else.Text)} END";
}

internal sealed record CastExpr(Expr Operand, SqlType Type, Position Position) : Expr(Position)
{
    public override string Text => $"CAST({Operand.Text} AS {Type})";
}

internal sealed record IsNullExpr(Expr Operand, bool Negated, Position Position) : Expr(Position)
{
    public override string Text => $"({Operand.Text} IS {(Negated ? "NOT " : string.Empty)}NULL)";
}

internal sealed record LikeExpr(Expr Operand, Expr Pattern, bool Negated, Position Position) : Expr(Position)
{
    public override string Text => $"({Operand.Text} {(Negated ? "NOT " : string.Empty)}LIKE {Pattern.Text})";
}

internal sealed record InExpr(Expr Operand, IReadOnlyList<Expr> Items, bool Negated, Position Position) : Expr(Position)
{
    public override string Text => $"({Operand.Text} {(Negated ? "NOT " : string.Empty)}IN ({string.Join(", ", Items.Select(i => i.Text))}))";
}

internal sealed record BetweenExpr(Expr Operand, Expr Low, Expr High, bool Negated, Position Position) : Expr(Position)
{
    public override string Text => $"({Operand.Text} {(Negated ? "NOT " : string.Empty)}BETWEEN {Low.Text} AND {High.Text})";
}
