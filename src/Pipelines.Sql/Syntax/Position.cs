namespace Pipelines.Sql.Syntax;

/// <summary>A 1-based line and column in the statement text.</summary>
internal readonly record struct Position(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}
