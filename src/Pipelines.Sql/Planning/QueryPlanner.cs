using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

/// <summary>
/// Compiles a SELECT onto the builder: FROM becomes sources (and joins), WHERE a <c>Where</c>, GROUP BY a
/// <c>KeyBy</c> + <c>Window</c> + <c>Aggregate</c>, the select list one <c>Select</c>; every expression is a
/// delegate compiled once. Queries that would need state without bound on an unbounded input are refused here.
/// </summary>
internal sealed partial class QueryPlanner(Catalog catalog, SqlSettings settings, PipelineBuilder builder, PlanLog log)
{
    private static readonly string[] WindowColumns = ["window_start", "window_end", "window_time"];

    /// <summary>The late rows of the query's windowed GROUP BY as a table, when <c>SET 'table.exec.late-rows'</c> named one.</summary>
    public Connectors.SqlTableSource? LateTable { get; private set; }

    /// <summary>The row of an aggregate without GROUP BY over no rows at all (null: the query has none, or HAVING refuses it).</summary>
    private Row? EmptyInputRow { get; set; }

    /// <summary>With <see cref="EmptyInputRow"/> and a HAVING: one <see cref="GroupReachedMarker"/> when a row reached the aggregate, whatever HAVING made of it.</summary>
    private DataStream<Row>? GroupReached { get; set; }

    private Row? GroupReachedMarker { get; set; }

    public PlannedQuery Plan(SelectQuery query)
    {
        var relation = PlanFrom(query.From, 1);
        bool aggregate = query.GroupBy.Count > 0 || query.Having is not null
            || query.Items.Any(i => i.Expression is not null && ExpressionBinder.HasAggregate(i.Expression));
        if (relation.Window is not null && aggregate && query.Where is not null && ReferencesWindow(query.Where) && (!relation.Bounded || relation.Window.Kind == WindowKind.Session))
        {
            // The rows would get their window columns before WHERE, and the GROUP BY would no longer be a windowed one:
            // over a table that does not end it would keep every group forever; sessions only exist once grouped.
            throw SqlException.At(ExpressionBinder.ColumnsIn(query.Where).First(IsWindowColumn).Position,
                $"WHERE filters the window columns of {relation.Window.Text}, which a windowed GROUP BY over {(relation.Bounded ? "SESSION windows" : "an unbounded table")} only has once the rows are grouped. " +
                "Filter window_start, window_end or window_time in HAVING, and the time column in WHERE.");
        }
        if (relation.Window is not null && aggregate && WindowInGrouping(query) is { } inside)
        {
            // An aggregate's argument or a GROUP BY expression reads the window columns: the rows need them before they
            // are grouped, which only a bounded table of tumbling, hopping or cumulating windows can give.
            if (!relation.Bounded || relation.Window.Kind == WindowKind.Session)
            {
                throw SqlException.At(inside.Position,
                    $"{inside.Text} reads a window column of {relation.Window.Text} before the rows are grouped, which a windowed GROUP BY over {(relation.Bounded ? "SESSION windows" : "an unbounded table")} cannot do. " +
                    "Use window_start, window_end or window_time as grouping columns (in SELECT, HAVING or ORDER BY), outside the aggregates' arguments.");
            }
            Materialize(relation);
        }
        else if (relation.Window is not null && (!aggregate || (query.Where is not null && ReferencesWindow(query.Where))))
        {
            Materialize(relation);
        }
        if (query.Where is not null)
        {
            if (ExpressionBinder.HasAggregate(query.Where)) throw SqlException.At(query.Where.Position, "aggregates are not allowed in WHERE; filter on them with HAVING.");
            var condition = new ExpressionBinder(relation.Scope, relation.Stream.Reader).BindCondition(query.Where, "WHERE");
            relation.Stream = relation.Stream.Where(condition, $"where {query.Where.Text}");
            log.Add(1, $"Where {query.Where.Text}");
        }
        EmptyInputRow = null;
        GroupReached = null;
        GroupReachedMarker = null;
        var (stream, schema, items) = aggregate ? PlanAggregate(relation, query) : PlanProjection(relation, query);
        if (EmptyInputRow is { } emptyRow && relation.Bounded && settings.EarlyFire is null)
        {
            // The one result row of a bounded aggregate is the stream's own, so INSERT INTO writes it too.
            stream = OrEmptyRow(stream, emptyRow);
            EmptyInputRow = null;
        }
        var finish = PlanOrderAndLimit(query, relation, schema, items);
        if (EmptyInputRow is { } empty)
        {
            var sortAndCut = finish;
            finish = rows =>
            {
                var list = rows.ToList();
                if (list.Count == 0) list.Add(empty);
                return sortAndCut is null ? list : sortAndCut(list);
            };
        }

        var untypedNulls = items.Select((item, i) => (item.Item2.Type.Kind, i)).Where(x => x.Kind == SqlTypeKind.Null).Select(x => x.i).ToHashSet();
        return new PlannedQuery(stream, schema, relation.Bounded, finish, untypedNulls);
    }

    /// <summary>
    /// The result of an aggregate without GROUP BY over a bounded table: its one row, or <paramref name="empty"/> when
    /// no row reached the aggregate (COUNT(*) 0, SUM NULL). A marker row from a one-row source joins the result; a
    /// global window keeps the result if one comes and gives <paramref name="empty"/> otherwise, at the end of input.
    /// </summary>
    private DataStream<Row> OrEmptyRow(DataStream<Row> result, Row empty)
    {
        var marker = new Row([]);
        var reachedMarker = GroupReachedMarker;
        var markers = builder.From(Sources.Enumerable([marker], "no rows marker"));
        if (result.HasEventTime) markers = markers.WithEventTime(static _ => DateTimeOffset.MinValue, Watermarks.Monotonic());
        log.Add(1, "Or the empty aggregate's row when no row comes");
        var inputs = GroupReached is { } reached ? result.Union(markers, reached) : result.Union(markers);
        return inputs
            .KeyBy(static _ => 0)
            .Window(Windows.Global())
            .Aggregate(Aggregations.Create<Row, (Row? Kept, bool Reached), Row?>(
                default,
                (state, row) => ReferenceEquals(row, marker) ? state : ReferenceEquals(row, reachedMarker) ? state with { Reached = true } : (row, true),
                (a, b) => (a.Kept ?? b.Kept, a.Reached || b.Reached),
                state => state.Kept ?? (state.Reached ? null : empty)))
            .Named("the aggregate's row, or its empty row")
            .Where(static r => r.Value is not null)
            .Select(static r => r.Value!);
    }

    // FROM

    private Relation PlanFrom(FromItem from, int depth) => from switch
    {
        TableFrom table => PlanTable(table, depth),
        WindowFrom window => PlanWindow(window, depth),
        JoinFrom join => PlanJoin(join, depth),
        _ => throw new InvalidOperationException(),
    };

    private Relation PlanTable(TableFrom from, int depth)
    {
        var table = catalog.Read(from.Name, from.Position);
        string qualifier = from.Alias ?? table.Name;
        if (from.AsOf is not null)
        {
            throw SqlException.At(from.AsOf.Position,
                $"FOR SYSTEM_TIME AS OF reads table '{table.Name}' as of the time of each row of another table: put it on the right of a join, as in FROM orders AS o JOIN {table.Name} FOR SYSTEM_TIME AS OF o.ts AS c ON ….");
        }
        if (table is Connectors.VersionedTable { PrimaryKey: var key })
        {
            throw SqlException.At(from.Position,
                $"table '{table.Name}' is a versioned table (a changelog by primary key {string.Join(", ", key.Select(k => table.Schema.Columns[k].Name))}): read it as of a time in a join, as in JOIN {table.Name} FOR SYSTEM_TIME AS OF o.ts AS c ON c.{table.Schema.Columns[key[0]].Name} = o.….");
        }
        var stream = table.OpenRows(builder);
        log.Add(depth, $"Source table {table.Name} ({table.Describe()}){(table.TimeColumn is int t ? $", event time {table.Schema.Columns[t].Name}" : string.Empty)}{(table.IsBounded ? ", bounded" : ", unbounded")}");
        var scope = new Scope(table.Schema.Columns.Select((c, i) => new ScopeColumn(qualifier, c.Name, c.Type, i)).ToList(), $"table '{table.Name}'");
        var relation = new Relation(stream, scope, table.Schema.Columns.Count, table.IsBounded, table.TimeColumn, null);
        relation.Tables.Add(table.Name);
        return relation;
    }

    private static bool IsWindowColumn(Expr expr) => expr is ColumnExpr c && WindowColumns.Contains(c.Name, StringComparer.OrdinalIgnoreCase);

    private static bool ReferencesWindow(Expr expr) => ExpressionBinder.ColumnsIn(expr).Any(IsWindowColumn);

    /// <summary>The first aggregate argument or GROUP BY expression (other than a window column itself) that reads a window column.</summary>
    private static Expr? WindowInGrouping(SelectQuery query)
    {
        var clauses = query.Items.Select(i => i.Expression).Append(query.Having).Concat(query.OrderBy.Select(o => o.Expression)).OfType<Expr>();
        foreach (var argument in clauses.SelectMany(AggregateArguments))
        {
            if (ReferencesWindow(argument)) return argument;
        }
        return query.GroupBy.FirstOrDefault(g => !IsWindowColumn(g) && ReferencesWindow(g));
    }

    private static IEnumerable<Expr> AggregateArguments(Expr expr) => expr is CallExpr call && ExpressionBinder.IsAggregateName(call.Name)
        ? call.Arguments
        : ExpressionBinder.Children(expr).SelectMany(AggregateArguments);
}
