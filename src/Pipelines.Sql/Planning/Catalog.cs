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

    /// <summary>Bounded file tables an INSERT INTO of this pipeline writes, and those its queries read: one table may not be both.</summary>
    private readonly HashSet<string> _written = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// An INSERT INTO of the pipeline being built writes <paramref name="table"/> (called before its query is
    /// planned, so that the query cannot read it either). A bounded file table a query of the script reads is refused:
    /// the statements run as one pipeline, which lists the table's files when it starts, before anything is written,
    /// so the query would read what an earlier run left there (or nothing) without a word.
    /// </summary>
    public void Written(SqlTableSource table, Syntax.Position position)
    {
        if (table is not FileTable || !table.IsBounded) return;
        if (_read.Contains(table.Name)) throw SqlException.At(position, Conflict(table.Name));
        _written.Add(table.Name);
    }

    /// <summary>A table a query reads; refused when it is a bounded file table an INSERT INTO of the script writes (<see cref="Written"/>).</summary>
    public SqlTableSource Read(string name, Syntax.Position position)
    {
        var table = Get(name, position);
        if (_written.Contains(table.Name)) throw SqlException.At(position, Conflict(table.Name));
        if (table is FileTable && table.IsBounded) _read.Add(table.Name);
        return table;
    }

    private static string Conflict(string table) =>
        $"table '{table}' is both written by an INSERT INTO of this script and read by one of its queries, and the statements run as one pipeline: the query would read the files an earlier run left, not the rows written now. Read it in a script run after this one, or query the SELECT that fills it directly.";

    public SqlTableSource Get(string name, Syntax.Position position) =>
        _tables.TryGetValue(name, out var table)
            ? table
            : throw SqlException.At(position, $"unknown table '{name}'{Suggestions.DidYouMean(name, _tables.Keys)}{(_tables.Count == 0 ? " No table is defined yet: CREATE TABLE one, or register a stream from code." : string.Empty)}");
}
