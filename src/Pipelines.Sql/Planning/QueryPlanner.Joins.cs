using System.Linq.Expressions;
using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// Joins: interval, window and bounded equi-joins (temporal joins in QueryPlanner.TemporalJoins.cs).
internal sealed partial class QueryPlanner
{
    private Relation PlanJoin(JoinFrom join, int depth)
    {
        if (join.Right is TableFrom { AsOf: not null } versioned) return PlanTemporalJoin(join, versioned, depth);
        log.Add(depth, "Join");
        var left = PlanFrom(join.Left, depth + 1);
        var right = PlanFrom(join.Right, depth + 1);
        var leftWindow = left.Window;
        var rightWindow = right.Window;
        if (leftWindow is not null) Materialize(left);
        if (rightWindow is not null) Materialize(right);
        var scope = left.Scope.Concat(right.Scope, $"the join of {string.Join(", ", left.Tables.Concat(right.Tables).Select(t => $"'{t}'"))}");
        int leftCount = left.Scope.Columns.Count;

        var keys = new List<(Expr Left, Expr Right)>();
        var residual = new List<Expr>();
        var timeConditions = new List<Expr>();
        long? lower = null, upper = null;
        bool windowKey = false;
        foreach (var conjunct in Conjuncts(join.On))
        {
            if (conjunct is BinaryExpr { Operator: "=" } equal && Side(equal.Left, scope, leftCount) is int a && Side(equal.Right, scope, leftCount) is int b && a != b)
            {
                keys.Add(a == 0 ? (equal.Left, equal.Right) : (equal.Right, equal.Left));
                windowKey |= IsWindowColumn(equal.Left) || IsWindowColumn(equal.Right);
                continue;
            }
            if (TimeBounds(conjunct, scope, leftCount, left, right) is { } bounds)
            {
                if (bounds.Lower is long lo) lower = lower is null ? lo : Math.Max(lower.Value, lo);
                if (bounds.Upper is long hi) upper = upper is null ? hi : Math.Min(upper.Value, hi);
                timeConditions.Add(conjunct);
                continue;
            }
            residual.Add(conjunct);
        }
        if ((lower is null || upper is null) && timeConditions.Count > 0 && left.Bounded && right.Bounded)
        {
            // Bounded on one side only: not an interval join, but over bounded tables an ordinary join whose
            // condition the time comparison stays in (as it is without WATERMARK declarations).
            residual.AddRange(timeConditions);
            lower = upper = null;
        }
        if (keys.Count == 0)
        {
            throw SqlException.At(join.On.Position, "a join needs at least one equality between a column of each side in ON (as in a.id = b.id); cross joins and joins on other conditions are not supported.");
        }
        var leftRow = Expression.Parameter(typeof(Row), "left");
        var rightRow = Expression.Parameter(typeof(Row), "right");
        var leftBinder = new ExpressionBinder(left.Scope, leftRow);
        var rightBinder = new ExpressionBinder(right.Scope, rightRow);
        var leftKeys = new List<Func<Row, object?>>();
        var rightKeys = new List<Func<Row, object?>>();
        foreach (var (l, r) in keys)
        {
            var lt = leftBinder.Bind(l);
            var rt = rightBinder.Bind(r);
            var type = ExpressionBinder.CommonType(lt.Type, rt.Type, new BinaryExpr("=", l, r, l.Position));
            leftKeys.Add(ExpressionBinder.CompileBoxed(ExpressionBinder.Cast(lt, type), leftRow));
            rightKeys.Add(ExpressionBinder.CompileBoxed(ExpressionBinder.Cast(rt, type), rightRow));
        }
        Func<Row, RowKey> leftKey = KeySelector(leftKeys), rightKey = KeySelector(rightKeys);
        var leftKeyed = left.Stream.ToRows().Where(row => !leftKey(row).HasNull).KeyBy(leftKey);
        var rightKeyed = right.Stream.ToRows().Where(row => !rightKey(row).HasNull).KeyBy(rightKey);
        int leftWidth = left.Width, rightWidth = right.Width;
        Row Concat(Row l, Row r)
        {
            var values = new object?[leftWidth + rightWidth];
            l.CopyTo(values, 0);
            r.CopyTo(values, leftWidth);
            return new Row(values);
        }
        string keyText = string.Join(" AND ", keys.Select(k => $"{k.Left.Text} = {k.Right.Text}"));
        DataStream<Row> joined;
        if (lower is not null || upper is not null)
        {
            if (lower is null || upper is null)
            {
                throw SqlException.At(join.On.Position, "an interval join needs both a lower and an upper time bound, as in b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE.");
            }
            if (upper < lower) throw SqlException.At(join.On.Position, "the interval join's time bounds are empty: the upper bound is below the lower bound.");
            joined = leftKeyed.IntervalJoin(rightKeyed, TimeSpan.FromTicks(lower.Value), TimeSpan.FromTicks(upper.Value), Concat).Named($"interval join {keyText}");
            log.Add(depth, $"IntervalJoin on {keyText}, right time in [left {Ticks(lower.Value)}, left {Ticks(upper.Value)}]");
        }
        else if (leftWindow is not null || rightWindow is not null)
        {
            if (leftWindow is null || rightWindow is null || !windowKey)
            {
                throw SqlException.At(join.On.Position, "a window join needs both sides windowed by the same TUMBLE and ON … AND a.window_start = b.window_start AND a.window_end = b.window_end.");
            }
            if (leftWindow.Kind != WindowKind.Tumble || rightWindow.Kind != WindowKind.Tumble || leftWindow.SizeTicks != rightWindow.SizeTicks)
            {
                throw SqlException.At(join.On.Position, "window joins are supported for TUMBLE windows of the same size on both sides.");
            }
            joined = leftKeyed.Join(rightKeyed, leftWindow.Assigner, Concat).Named($"window join {keyText}");
            log.Add(depth, $"WindowJoin {leftWindow.Text} on {keyText}");
        }
        else
        {
            if (!left.Bounded || !right.Bounded)
            {
                string unbounded = string.Join(", ", (left.Bounded ? right.Tables : left.Tables).Select(t => $"'{t}'"));
                throw SqlException.At(join.Position,
                    $"a regular join of the unbounded table {unbounded} would keep every row of both sides forever. Bound it in time (an interval join: AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE), or join windows (TABLE(TUMBLE(…)) on both sides with equal window_start and window_end).");
            }
            joined = leftKeyed.Join(rightKeyed, Windows.Global(), Concat).Named($"join {keyText}");
            log.Add(depth, $"Join (bounded, at end of input) on {keyText}");
        }
        var relation = new Relation(RowStream.Of(joined, [.. left.Stream.Columns, .. right.Stream.Columns]), scope, leftWidth + rightWidth, left.Bounded && right.Bounded, null, null);
        relation.Tables.AddRange(left.Tables);
        relation.Tables.AddRange(right.Tables);
        if (residual.Count > 0)
        {
            var condition = residual.Aggregate((a, b) => new BinaryExpr("AND", a, b, a.Position));
            var bound = new ExpressionBinder(scope, relation.Stream.Reader).BindCondition(condition, "ON");
            relation.Stream = relation.Stream.Where(bound, $"join condition {condition.Text}");
            log.Add(depth, $"Where {condition.Text}");
        }
        return relation;
    }

    private static string Ticks(long ticks) => ticks < 0 ? $"- {TimeSpan.FromTicks(-ticks)}" : $"+ {TimeSpan.FromTicks(ticks)}";

    private static IEnumerable<Expr> Conjuncts(Expr expr) =>
        expr is BinaryExpr { Operator: "AND" } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [expr];

    /// <summary>0 when every column of the expression is on the left, 1 when all are on the right, null otherwise.</summary>
    private static int? Side(Expr expr, Scope scope, int leftCount)
    {
        var sides = ExpressionBinder.ColumnsIn(expr).Select(c => scope.Resolve(c).Index < leftCount ? 0 : 1).Distinct().ToList();
        return sides.Count == 1 ? sides[0] : null;
    }

    /// <summary>A bound on right.time − left.time from a condition between the two time attributes (± intervals), if it is one.</summary>
    private static (long? Lower, long? Upper)? TimeBounds(Expr conjunct, Scope scope, int leftCount, Relation left, Relation right)
    {
        (int Side, long Offset)? Time(Expr e)
        {
            long offset = 0;
            if (e is BinaryExpr { Operator: "+" or "-" } b && b.Right is IntervalExpr interval)
            {
                offset = b.Operator == "+" ? interval.Value.Ticks : -interval.Value.Ticks;
                e = b.Left;
            }
            if (e is not ColumnExpr column) return null;
            var resolved = scope.Resolve(column);
            if (resolved.Index < leftCount) return left.TimeColumn == resolved.Index ? (0, offset) : null;
            return right.TimeColumn == resolved.Index - leftCount ? (1, offset) : null;
        }

        if (conjunct is BetweenExpr { Negated: false } between && Time(between.Operand) is { } x && Time(between.Low) is { } lo && Time(between.High) is { } hi
            && lo.Side == hi.Side && lo.Side != x.Side)
        {
            return x.Side == 1 ? (lo.Offset - x.Offset, hi.Offset - x.Offset) : (x.Offset - hi.Offset, x.Offset - lo.Offset);
        }
        if (conjunct is BinaryExpr { Operator: "<" or "<=" or ">" or ">=" } compare && Time(compare.Left) is { } a && Time(compare.Right) is { } b2 && a.Side != b2.Side)
        {
            // Normalise to right.t OP left.t + d.
            string op = compare.Operator;
            var (r, l) = a.Side == 1 ? (a, b2) : (b2, a);
            if (a.Side == 0) op = op switch { "<" => ">", "<=" => ">=", ">" => "<", _ => "<=" };
            long d = l.Offset - r.Offset;
            return op switch
            {
                ">=" => (d, null),
                ">" => (d + 1, null),
                "<=" => (null, d),
                _ => (null, d - 1),
            };
        }
        return null;
    }

    private static Func<Row, RowKey> KeySelector(List<Func<Row, object?>> keys)
    {
        var array = keys.ToArray();
        if (array.Length == 1)
        {
            var only = array[0];
            return row => new RowKey([only(row)]);
        }
        return row =>
        {
            var values = new object?[array.Length];
            for (int i = 0; i < array.Length; i++) values[i] = array[i](row);
            return new RowKey(values);
        };
    }
}
