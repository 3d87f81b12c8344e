using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// ORDER BY and LIMIT on bounded results.
internal sealed partial class QueryPlanner
{
    private static Func<IEnumerable<Row>, List<Row>>? PlanOrderAndLimit(SelectQuery query, Relation relation, SqlSchema schema, List<(SelectItem Item, Typed Bound)> items)
    {
        if (query.OrderBy.Count == 0 && query.Limit is null) return null;
        if (!relation.Bounded)
        {
            string clause = query.OrderBy.Count > 0 ? "ORDER BY" : "LIMIT";
            string tables = string.Join(", ", relation.Tables.Select(t => $"'{t}'"));
            throw SqlException.At(query.OrderBy.Count > 0 ? query.OrderBy[0].Expression.Position : query.Position,
                $"{clause} needs the whole result, and the unbounded table {tables} never ends. Sort or cut the output downstream, or read a bounded table (a filesystem table without 'source.monitor-interval'); windowed results already come in order of window end per key.");
        }
        var keys = new List<(int Index, bool Descending, bool NullsFirst)>();
        foreach (var order in query.OrderBy)
        {
            int index = order.Expression switch
            {
                LiteralExpr { Value: int position } when position >= 1 && position <= schema.Columns.Count => position - 1,
                LiteralExpr literal => throw SqlException.At(literal.Position, $"ORDER BY {literal.Text}: a position must be between 1 and {schema.Columns.Count}."),
                ColumnExpr { Qualifier: null } column when schema.IndexOf(column.Name) >= 0 => schema.IndexOf(column.Name),
                _ => items.FindIndex(i => i.Item.Expression is not null && ExpressionText.Same(i.Item.Expression.Text, order.Expression.Text)),
            };
            if (index < 0)
            {
                throw SqlException.At(order.Expression.Position,
                    $"ORDER BY {order.Expression.Text} must name a column of the result, by name, alias or position{Suggestions.DidYouMean(order.Expression.Text, schema.Columns.Select(c => c.Name))}");
            }
            keys.Add((index, order.Descending, order.NullsFirst));
        }
        int? limit = query.Limit;
        return rows =>
        {
            var list = rows.ToList();
            if (keys.Count > 0) list.Sort((a, b) => CompareRows(a, b, keys));
            return limit is int n && list.Count > n ? list.GetRange(0, n) : list;
        };
    }

    /// <summary>Compares by the keys; NULL sorts last either way (as DuckDB does) unless NULLS FIRST says otherwise.</summary>
    private static int CompareRows(Row a, Row b, List<(int Index, bool Descending, bool NullsFirst)> keys)
    {
        foreach (var (index, descending, nullsFirst) in keys)
        {
            object? x = a[index], y = b[index];
            int c = (x, y) switch
            {
                (null, null) => 0,
                (null, _) => nullsFirst ? -1 : 1,
                (_, null) => nullsFirst ? 1 : -1,
                (string s, string t) => (descending ? -1 : 1) * string.CompareOrdinal(s, t),
                _ => (descending ? -1 : 1) * Comparer<object>.Default.Compare(x, y),
            };
            if (c != 0) return c;
        }
        return 0;
    }
}
