namespace Pipelines.Sql.Binding;

/// <summary>A column visible to expressions: the qualifier it can be named with, its name, type and row position.</summary>
internal sealed record ScopeColumn(string? Qualifier, string Name, SqlType Type, int Index);

/// <summary>The columns that names in an expression resolve to, with the names of the tables they come from.</summary>
internal sealed class Scope(IReadOnlyList<ScopeColumn> columns, string description)
{
    public IReadOnlyList<ScopeColumn> Columns { get; } = columns;

    /// <summary>How errors name the source of the columns: "table 'flights'" or "the join of a and b".</summary>
    public string Description { get; } = description;

    public Scope Concat(Scope right, string description) =>
        new([.. Columns, .. right.Columns.Select(c => c with { Index = c.Index + Columns.Count })], description);

    public ScopeColumn Resolve(Syntax.ColumnExpr column)
    {
        var candidates = Columns.Where(c => string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase)
            && (column.Qualifier is null || string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase))).ToList();
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count > 1)
        {
            throw SqlException.At(column.Position,
                $"column '{column.Name}' is ambiguous: it is in {string.Join(" and ", candidates.Select(c => $"'{c.Qualifier}'"))}; qualify it, as in {candidates[0].Qualifier}.{column.Name}.");
        }
        if (column.Qualifier is not null && !Columns.Any(c => string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase)))
        {
            var qualifiers = Columns.Select(c => c.Qualifier).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);
            throw SqlException.At(column.Position, $"unknown table or alias '{column.Qualifier}'{Suggestions.DidYouMean(column.Qualifier, qualifiers)}");
        }
        var names = Columns.Where(c => column.Qualifier is null || string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase)).Select(c => c.Name);
        throw SqlException.At(column.Position, $"unknown column '{column.Name}' in {Description}{Suggestions.DidYouMean(column.Name, names)}");
    }
}
