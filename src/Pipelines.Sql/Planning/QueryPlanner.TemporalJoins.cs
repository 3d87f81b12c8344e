using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// Temporal joins: JOIN t FOR SYSTEM_TIME AS OF o.ts (the core TemporalJoin) and AS OF PROCTIME() (LookupJoin).
internal sealed partial class QueryPlanner
{
    /// <summary>
    /// <c>left [LEFT] JOIN t FOR SYSTEM_TIME AS OF x AS c ON …</c>: <c>t</c> must be versioned and ON must equate each
    /// column of its primary key with an expression of the left side. <c>x</c> is the left side's time attribute
    /// (each left row gets the row valid at its event time) or <c>PROCTIME()</c> (the latest row received when the
    /// left row arrives). The rest of ON filters the joined rows; in a LEFT join a row it rejects is a left row with NULLs.
    /// </summary>
    private Relation PlanTemporalJoin(JoinFrom join, TableFrom right, int depth)
    {
        var asOf = right.AsOf!;
        bool lookup = asOf is CallExpr { Arguments.Count: 0, Star: false, Distinct: false } call && string.Equals(call.Name, "PROCTIME", StringComparison.OrdinalIgnoreCase);
        bool outer = join.Kind == JoinKind.Left;
        log.Add(depth, "Join");
        var left = PlanFrom(join.Left, depth + 1);
        if (left.Window is not null) Materialize(left);
        var table = catalog.Read(right.Name, right.Position);
        if (table.PrimaryKey is not { } primaryKey)
        {
            throw SqlException.At(right.Position,
                $"table '{table.Name}' is not versioned, so it cannot be read FOR SYSTEM_TIME AS OF: a temporal join needs a table with a primary key whose rows change over time. " +
                $"Declare one in its CREATE TABLE (PRIMARY KEY (id) NOT ENFORCED, with a WATERMARK: each row the version of its key from its time), " +
                $"register a changelog from code with RegisterVersionedTable(\"{table.Name}\", changes, primaryKey: \"id\"), or join it with an interval join.");
        }
        if (!lookup && !table.IsVersioned)
        {
            throw SqlException.At(asOf.Position,
                $"table '{table.Name}' has a primary key but no time attribute, so it has no versions in time to read as of {asOf.Text}: " +
                "declare one in its CREATE TABLE (WATERMARK FOR updated_at AS updated_at), or write FOR SYSTEM_TIME AS OF PROCTIME() for a lookup join on the latest row.");
        }
        string qualifier = right.Alias ?? table.Name;
        var rightScope = new Scope(table.Schema.Columns.Select((c, i) => new ScopeColumn(qualifier, c.Name, c.Type, i)).ToList(), $"table '{table.Name}'");
        var scope = left.Scope.Concat(rightScope, $"the join of {string.Join(", ", left.Tables.Append(table.Name).Select(t => $"'{t}'"))}");
        int leftCount = left.Scope.Columns.Count;
        if (!lookup) CheckAsOf(asOf, left, table.Name);

        // ON: one equality per primary key column with the left side; the rest is a condition on the joined row.
        var keyColumns = primaryKey.ToArray();
        var keyOf = new Expr?[keyColumns.Length];
        var residual = new List<Expr>();
        int? KeyColumn(Expr e) =>
            e is ColumnExpr column && scope.Resolve(column).Index is int index && index >= leftCount && Array.IndexOf(keyColumns, index - leftCount) is int k and >= 0 ? k : null;
        foreach (var conjunct in Conjuncts(join.On))
        {
            if (conjunct is BinaryExpr { Operator: "=" } equal)
            {
                if (KeyColumn(equal.Right) is int k && keyOf[k] is null && Side(equal.Left, scope, leftCount) == 0)
                {
                    keyOf[k] = equal.Left;
                    continue;
                }
                if (KeyColumn(equal.Left) is int j && keyOf[j] is null && Side(equal.Right, scope, leftCount) == 0)
                {
                    keyOf[j] = equal.Right;
                    continue;
                }
            }
            residual.Add(conjunct);
        }
        string KeyName(int k) => table.Schema.Columns[primaryKey[k]].Name;
        var missing = Enumerable.Range(0, keyOf.Length).Where(k => keyOf[k] is null).Select(KeyName).ToList();
        if (missing.Count > 0)
        {
            throw SqlException.At(join.On.Position,
                $"a temporal join with the versioned table '{table.Name}' looks its rows up by primary key ({string.Join(", ", primaryKey.Select(k => table.Schema.Columns[k].Name))}), " +
                $"so ON must equate each key column with an expression of the left side, as in {qualifier}.{missing[0]} = o.{missing[0]}; missing: {string.Join(", ", missing)}.");
        }

        // Both sides' keys as values of one type per column.
        var leftRow = Expression.Parameter(typeof(Row), "left");
        var leftBinder = new ExpressionBinder(left.Scope, leftRow);
        var leftKeys = new List<Func<Row, object?>>();
        var tableCasts = new Func<object?, object?>?[keyOf.Length];
        for (int k = 0; k < keyOf.Length; k++)
        {
            var bound = leftBinder.Bind(keyOf[k]!);
            var columnType = table.Schema.Columns[primaryKey[k]].Type;
            var type = ExpressionBinder.CommonType(bound.Type, columnType, new BinaryExpr("=", keyOf[k]!, new ColumnExpr(qualifier, KeyName(k), keyOf[k]!.Position), keyOf[k]!.Position));
            leftKeys.Add(ExpressionBinder.CompileBoxed(ExpressionBinder.Cast(bound, type), leftRow));
            if (type != columnType) tableCasts[k] = Converter(columnType, type);
        }
        var changes = table.OpenChanges(builder);
        log.Add(depth + 1, $"Versioned table {table.Name} ({table.Describe()}){(table.IsBounded ? ", bounded" : ", unbounded")}");
        if (tableCasts.Any(c => c is not null))
        {
            changes = changes.Select(change =>
            {
                var values = (object?[])change.Key.Values.Clone();
                for (int k = 0; k < values.Length; k++) values[k] = tableCasts[k] is { } cast ? cast(values[k]) : values[k];
                return change with { Key = new RowKey(values) };
            }).Named($"{table.Name} key as the join's types");
        }
        var versions = changes.ToTable();
        var leftKey = KeySelector(leftKeys);

        int leftWidth = left.Width, rightWidth = table.Schema.Columns.Count;
        Row Concat(Row l, Row? r)
        {
            var values = new object?[leftWidth + rightWidth];
            l.CopyTo(values, 0);
            r?.CopyTo(values, leftWidth);
            return new Row(values);
        }
        Func<Row, bool>? on = null;
        string residualText = string.Empty;
        if (residual.Count > 0)
        {
            var condition = residual.Aggregate((a, b) => new BinaryExpr("AND", a, b, a.Position));
            var joinedRow = Expression.Parameter(typeof(Row), "joined");
            on = ExpressionBinder.CompilePredicate<Row>(new ExpressionBinder(scope, joinedRow).BindCondition(condition, "ON"), joinedRow);
            residualText = $" and {condition.Text}";
        }

        string keyText = string.Join(" AND ", Enumerable.Range(0, keyOf.Length).Select(k => $"{qualifier}.{KeyName(k)} = {keyOf[k]!.Text}"));
        string name = $"{(outer ? "left " : string.Empty)}{(lookup ? "lookup" : "temporal")} join {table.Name} on {keyText}{residualText}";
        var rows = left.Stream.ToRows();
        DataStream<Row> joined;
        if (outer)
        {
            Row Matched(Row l, Row? r)
            {
                if (r is null) return Concat(l, null);
                var both = Concat(l, r);
                return on is null || on(both) ? both : Concat(l, null);
            }
            joined = (lookup ? rows.LeftLookupJoin(versions, leftKey, Matched) : rows.LeftTemporalJoin(versions, leftKey, Matched)).Named(name);
        }
        else
        {
            joined = (lookup ? rows.LookupJoin(versions, leftKey, (l, r) => Concat(l, r)) : rows.TemporalJoin(versions, leftKey, (l, r) => Concat(l, r))).Named(name);
            if (on is not null) joined = joined.Where(on).Named($"join condition{residualText[4..]}");
        }
        string verb = $"{(outer ? "Left" : string.Empty)}{(lookup ? "LookupJoin" : "TemporalJoin")}";
        log.Add(depth, lookup
            ? $"{verb} {table.Name} (the latest row when each row arrives, processing time) on {keyText}{residualText}"
            : $"{verb} {table.Name} as of {asOf.Text} (the row valid at each row's event time) on {keyText}{residualText}");

        var relation = new Relation(RowStream.Of(joined, [.. left.Stream.Columns, .. table.Schema.Columns.Select(c => c.Type)]), scope, leftWidth + rightWidth,
            left.Bounded && table.IsBounded, left.TimeColumn, null);
        relation.Tables.AddRange(left.Tables);
        relation.Tables.Add(table.Name);
        return relation;
    }

    /// <summary>FOR SYSTEM_TIME AS OF x of a temporal join: x must be the left side's time attribute.</summary>
    private static void CheckAsOf(Expr asOf, Relation left, string table)
    {
        string sides = string.Join(", ", left.Tables.Select(t => $"'{t}'"));
        if (left.TimeColumn is not int time)
        {
            throw SqlException.At(asOf.Position,
                $"the left side of the temporal join with '{table}' ({sides}) has no time attribute, so there is no event time to read '{table}' as of: " +
                "declare one (WATERMARK FOR … in its CREATE TABLE, or timeColumn when registering a stream), or write FOR SYSTEM_TIME AS OF PROCTIME() for a lookup join on the latest row.");
        }
        string timeName = left.Scope.Columns.First(c => c.Index == time) is { } column ? $"{column.Qualifier}.{column.Name}" : "?";
        if (asOf is not ColumnExpr named
            || left.Scope.Columns.Count(c => string.Equals(c.Name, named.Name, StringComparison.OrdinalIgnoreCase)
                && (named.Qualifier is null || string.Equals(c.Qualifier, named.Qualifier, StringComparison.OrdinalIgnoreCase))) == 0)
        {
            throw SqlException.At(asOf.Position,
                $"FOR SYSTEM_TIME AS OF {asOf.Text}: a temporal join reads '{table}' as of the left side's time attribute, {timeName} (or PROCTIME() for a lookup join on the latest row).");
        }
        if (left.Scope.Resolve(named).Index != time)
        {
            throw SqlException.At(asOf.Position,
                $"FOR SYSTEM_TIME AS OF {asOf.Text}: {asOf.Text} is not the left side's time attribute; a temporal join reads '{table}' as of {timeName}, the time the left rows' watermark follows.");
        }
    }

    /// <summary>Converts a value of <paramref name="from"/> to <paramref name="to"/>, boxed.</summary>
    private static Func<object?, object?> Converter(SqlType from, SqlType to)
    {
        var value = Expression.Parameter(typeof(object), "value");
        var cast = ExpressionBinder.Cast(new Typed(Expression.Convert(value, from.NullableClrType), from), to);
        return Expression.Lambda<Func<object?, object?>>(Expression.Convert(cast.Expression, typeof(object)), value).Compile();
    }
}
