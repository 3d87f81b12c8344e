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

    public SqlTableSource Get(string name, Syntax.Position position) =>
        _tables.TryGetValue(name, out var table)
            ? table
            : throw SqlException.At(position, $"unknown table '{name}'{Suggestions.DidYouMean(name, _tables.Keys)}{(_tables.Count == 0 ? " No table is defined yet: CREATE TABLE one, or register a stream from code." : string.Empty)}");
}
