using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// The select list.
internal sealed partial class QueryPlanner
{
    private (DataStream<Row>, SqlSchema, List<(SelectItem, Typed)>) PlanProjection(Relation relation, SelectQuery query)
    {
        var binder = new ExpressionBinder(relation.Scope, relation.Stream.Reader);
        var items = new List<(SelectItem, Typed)>();
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in query.Items)
        {
            if (!item.IsStar)
            {
                items.Add((item, binder.Bind(item.Expression!)));
                named.Add(item.Alias ?? (item.Expression as ColumnExpr)?.Name ?? string.Empty);
                continue;
            }
            var columns = relation.Scope.Columns.Where(c => item.StarQualifier is null || string.Equals(c.Qualifier, item.StarQualifier, StringComparison.OrdinalIgnoreCase)).ToList();
            if (columns.Count == 0)
            {
                throw SqlException.At(item.Position, $"unknown table or alias '{item.StarQualifier}'{Suggestions.DidYouMean(item.StarQualifier!, relation.Scope.Columns.Select(c => c.Qualifier).OfType<string>())}");
            }
            foreach (var column in columns)
            {
                // A column * brings in under a name already in the result (both sides of a join have an 'id') gets
                // the name with the first free number, as Flink names it: id, id0, id1.
                string alias = column.Name;
                for (int n = 0; named.Contains(alias) || (alias != column.Name && relation.Scope.Columns.Any(c => string.Equals(c.Name, alias, StringComparison.OrdinalIgnoreCase))); n++)
                {
                    alias = column.Name + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                named.Add(alias);
                var expr = new ColumnExpr(column.Qualifier, column.Name, item.Position);
                items.Add((new SelectItem(expr, alias, null, item.Position), binder.Bind(expr)));
            }
        }
        return Project(relation.Stream, items);
    }

    private (DataStream<Row>, SqlSchema, List<(SelectItem, Typed)>) Project(RowStream input, List<(SelectItem Item, Typed Bound)> items)
    {
        var columns = items.Select((x, i) => new SqlColumn(x.Item.Alias ?? (x.Item.Expression as ColumnExpr)?.Name ?? $"EXPR${i}", x.Bound.Type.Kind == SqlTypeKind.Null ? SqlType.String : x.Bound.Type)).ToList();
        var twice = columns.Select((c, i) => (c.Name, i)).GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw SqlException.At(items[twice.Last().i].Item.Position,
                $"the result would have two columns named '{twice.Key}'; give one an alias (… AS {twice.Key}_2), so that every column of the result has its own name.");
        }
        var projection = ExpressionBinder.NewRow([.. items.Select(x => x.Bound)]);
        string text = string.Join(", ", items.Select((x, i) => x.Item.Expression!.Text + (x.Item.Alias is null || x.Item.Alias == (x.Item.Expression as ColumnExpr)?.Name ? string.Empty : $" AS {x.Item.Alias}")));
        log.Add(1, $"Select {text}");
        return (input.Select(projection, $"select {text}"), new SqlSchema(columns), items);
    }
}
