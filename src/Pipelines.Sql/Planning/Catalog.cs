using Pipelines.Sql.Binding;
using Pipelines.Sql.Connectors;

namespace Pipelines.Sql.Planning;

/// <summary>The tables a statement can name, by name (case-insensitive).</summary>
internal sealed class Catalog
{
    private readonly Dictionary<string, SqlTableSource> _tables = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<SqlTableSource> Tables => _tables.Values;

    public void Add(SqlTableSource table, Syntax.Position? position = null)
    {
        if (_tables.ContainsKey(table.Name))
        {
            string message = $"a table named '{table.Name}' already exists; choose another name.";
            throw position is { } p ? SqlException.At(p, message) : new SqlException(message);
        }
        _tables.Add(table.Name, table);
    }

    /// <summary>Bounded file tables an INSERT INTO of this pipeline writes: reading one in the same pipeline is refused.</summary>
    private readonly HashSet<string> _written = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>An INSERT INTO of the pipeline being built writes <paramref name="table"/>.</summary>
    public void Written(SqlTableSource table)
    {
        if (table is FileTable && table.IsBounded) _written.Add(table.Name);
    }

    /// <summary>
    /// A table a query reads. A bounded file table an earlier INSERT INTO of the same script writes is refused: the
    /// statements run as one pipeline, which lists the table's files when it starts, before anything is written, so
    /// the query would read what an earlier run left there (or nothing) without a word.
    /// </summary>
    public SqlTableSource Read(string name, Syntax.Position position)
    {
        var table = Get(name, position);
        if (_written.Contains(table.Name))
        {
            throw SqlException.At(position,
                $"table '{table.Name}' is written by an INSERT INTO of this script, whose statements run as one pipeline: reading it here would give the files an earlier run left, not the rows written now. Read it in a script run after this one, or query the SELECT that fills it directly.");
        }
        return table;
    }

    public SqlTableSource Get(string name, Syntax.Position position) =>
        _tables.TryGetValue(name, out var table)
            ? table
            : throw SqlException.At(position, $"unknown table '{name}'{Suggestions.DidYouMean(name, _tables.Keys)}{(_tables.Count == 0 ? " No table is defined yet: CREATE TABLE one, or register a stream from code." : string.Empty)}");
}
