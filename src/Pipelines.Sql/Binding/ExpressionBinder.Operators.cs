using System.Linq.Expressions;
using Pipelines.Sql.Compilation;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Binding;

// Operators: NOT and minus, arithmetic, comparisons, IS NULL, LIKE, IN, BETWEEN and CASE.
internal sealed partial class ExpressionBinder
{
    private Typed BindUnary(UnaryExpr unary)
    {
        var operand = Bind(unary.Operand);
        if (unary.Operator == "NOT")
        {
            RequireBoolean(operand, unary.Operand, "NOT");
            return new(Call(nameof(SqlRuntime.Not), Convert(operand, SqlType.Boolean).Expression), SqlType.Boolean);
        }
        if (!operand.Type.IsNumeric && operand.Type.Kind != SqlTypeKind.Interval) throw TypeError(unary, $"'-' needs a number, but {unary.Operand.Text} is {operand.Type}.");
        return new(operand.Type.IsNumeric ? Expression.NegateChecked(operand.Expression) : Expression.Negate(operand.Expression), operand.Type);
    }

    private Typed BindBinary(BinaryExpr binary)
    {
        string op = binary.Operator;
        var left = Bind(binary.Left);
        var right = Bind(binary.Right);
        switch (op)
        {
            case "AND" or "OR":
                RequireBoolean(left, binary.Left, op);
                RequireBoolean(right, binary.Right, op);
                return new(Call(op == "AND" ? nameof(SqlRuntime.And) : nameof(SqlRuntime.Or), Convert(left, SqlType.Boolean).Expression, Convert(right, SqlType.Boolean).Expression), SqlType.Boolean);
            case "||":
                return new(Call(nameof(SqlRuntime.Concat), Cast(left, SqlType.String).Expression, Cast(right, SqlType.String).Expression), SqlType.String);
            case "=" or "<>" or "<" or "<=" or ">" or ">=":
                return Compare(op, left, right, binary);
        }

        // Arithmetic.
        if (left.Type.IsTimestamp && right.Type.Kind == SqlTypeKind.Interval && op is "+" or "-")
        {
            return new(Call(op == "+" ? nameof(SqlRuntime.AddInterval) : nameof(SqlRuntime.SubtractInterval), Convert(left, SqlType.Timestamp).Expression, right.Expression), left.Type);
        }
        if (right.Type.IsTimestamp && left.Type.Kind == SqlTypeKind.Interval && op == "+")
        {
            return new(Call(nameof(SqlRuntime.AddInterval), Convert(right, SqlType.Timestamp).Expression, left.Expression), right.Type);
        }
        if (left.Type.Kind == SqlTypeKind.Date && right.Type.Kind == SqlTypeKind.Interval && op is "+" or "-")
        {
            return DatePlusInterval(left, right, op == "-", binary);
        }
        if (right.Type.Kind == SqlTypeKind.Date && left.Type.Kind == SqlTypeKind.Interval && op == "+")
        {
            return DatePlusInterval(right, left, false, binary);
        }
        if (left.Type.Kind == SqlTypeKind.Interval && right.Type.Kind == SqlTypeKind.Interval && op is "+" or "-")
        {
            return new(op == "+" ? Expression.Add(left.Expression, right.Expression) : Expression.Subtract(left.Expression, right.Expression), SqlType.Interval);
        }
        if (!IsNumericOrNull(left.Type) || !IsNumericOrNull(right.Type))
        {
            throw TypeError(binary, $"'{op}' needs numbers, but {binary.Left.Text} is {left.Type} and {binary.Right.Text} is {right.Type}.");
        }
        var type = CommonNumeric(left.Type, right.Type, op);
        var l = Convert(left, type).Expression;
        var r = Convert(right, type).Expression;
        return op switch
        {
            // Checked, as SUM is and as standard SQL (and PostgreSQL, DuckDB) raise an overflow: a wrapped INT is a wrong answer.
            "+" => new(Expression.AddChecked(l, r), type),
            "-" => new(Expression.SubtractChecked(l, r), type),
            "*" => new(Expression.MultiplyChecked(l, r), type),
            // A DECIMAL quotient has the scale its type declares (as AVG's has), not the 28 digits decimal division gives.
            "/" when type.Kind == SqlTypeKind.Decimal => new(Call(nameof(SqlRuntime.RoundDecimal), Call(nameof(SqlRuntime.Divide), l, r), Expression.Constant(type.Scale)), type),
            "/" => new(Call(nameof(SqlRuntime.Divide), l, r), type),
            _ => new(Call(nameof(SqlRuntime.Modulo), l, r), type),
        };
    }

    /// <summary>
    /// A DATE moved by an interval: a DATE when the interval is whole days (DATE '2024-05-01' + INTERVAL '1' DAY), else
    /// the TIMESTAMP of its midnight moved (+ INTERVAL '6' HOUR), as Flink types them.
    /// </summary>
    private static Typed DatePlusInterval(Typed date, Typed interval, bool subtract, Expr where)
    {
        var moved = Call(subtract ? nameof(SqlRuntime.SubtractInterval) : nameof(SqlRuntime.AddInterval), Cast(date, SqlType.Timestamp).Expression, interval.Expression);
        bool wholeDays = IntervalOf(where) is { } length && length.Ticks % TimeSpan.TicksPerDay == 0;
        return wholeDays ? Cast(new Typed(moved, SqlType.Timestamp), SqlType.Date) : new Typed(moved, SqlType.Timestamp);
    }

    /// <summary>The written interval of a DATE ± INTERVAL expression, when it is a literal.</summary>
    private static TimeSpan? IntervalOf(Expr where) => where switch
    {
        BinaryExpr { Right: IntervalExpr right } => right.Value,
        BinaryExpr { Left: IntervalExpr left } => left.Value,
        _ => null,
    };

    private Typed Compare(string op, Typed left, Typed right, Expr where)
    {
        SqlType type;
        if (IsNumericOrNull(left.Type) && IsNumericOrNull(right.Type)) type = CommonNumeric(left.Type, right.Type, "=");
        else if (left.Type.IsTimestamp && right.Type.IsTimestamp) type = SqlType.Timestamp;
        else if (left.Type.Kind == SqlTypeKind.Null) type = right.Type;
        else if (right.Type.Kind == SqlTypeKind.Null || left.Type.Kind == right.Type.Kind) type = left.Type;
        else if ((left.Type.IsTimestamp || left.Type.Kind == SqlTypeKind.Date) && right.Type.Kind == SqlTypeKind.String) type = left.Type;
        else if ((right.Type.IsTimestamp || right.Type.Kind == SqlTypeKind.Date) && left.Type.Kind == SqlTypeKind.String) type = right.Type;
        else if ((left.Type.IsTimestamp && right.Type.Kind == SqlTypeKind.Date) || (left.Type.Kind == SqlTypeKind.Date && right.Type.IsTimestamp)) type = SqlType.Timestamp;
        else throw TypeError(where, $"cannot compare {left.Type} with {right.Type} in {where.Text}; CAST one side to the other's type.");

        var l = CastChecked(left, type, where).Expression;
        var r = CastChecked(right, type, where).Expression;
        if (type.Kind == SqlTypeKind.String)
        {
            l = Call(nameof(SqlRuntime.CompareStrings), l, r);
            r = Expression.Constant(0, typeof(int?));
        }
        if (type.Kind == SqlTypeKind.Boolean && op is not ("=" or "<>"))
        {
            throw TypeError(where, $"BOOLEAN values can be compared with = and <> only, not with {op}.");
        }
        Expression result = op switch
        {
            "=" => Expression.Equal(l, r, true, null),
            "<>" => Expression.NotEqual(l, r, true, null),
            "<" => Expression.LessThan(l, r, true, null),
            "<=" => Expression.LessThanOrEqual(l, r, true, null),
            ">" => Expression.GreaterThan(l, r, true, null),
            _ => Expression.GreaterThanOrEqual(l, r, true, null),
        };
        return new(result, SqlType.Boolean);
    }

    private Typed BindIsNull(IsNullExpr isNull)
    {
        var operand = Bind(isNull.Operand);
        Expression test = operand.Expression.Type.IsValueType && Nullable.GetUnderlyingType(operand.Expression.Type) is null
            ? Expression.Constant(false)
            : Expression.Equal(operand.Expression, Expression.Constant(null, operand.Expression.Type));
        if (isNull.Negated) test = Expression.Not(test);
        return new(Expression.Convert(test, typeof(bool?)), SqlType.Boolean);
    }

    private Typed BindLike(LikeExpr like)
    {
        var operand = Bind(like.Operand);
        if (operand.Type.Kind is not (SqlTypeKind.String or SqlTypeKind.Null)) throw TypeError(like, $"LIKE needs a STRING, but {like.Operand.Text} is {operand.Type}.");
        Expression result = like.Pattern is LiteralExpr { Value: string pattern }
            ? Call(nameof(SqlRuntime.Like), Convert(operand, SqlType.String).Expression, Expression.Constant(SqlRuntime.LikeRegex(pattern)))
            : Call(nameof(SqlRuntime.LikeDynamic), Convert(operand, SqlType.String).Expression, Cast(Bind(like.Pattern), SqlType.String).Expression);
        if (like.Negated) result = Call(nameof(SqlRuntime.Not), result);
        return new(result, SqlType.Boolean);
    }

    private Typed BindIn(InExpr @in)
    {
        var operand = Bind(@in.Operand);
        Expression? result = null;
        foreach (var item in @in.Items)
        {
            var equal = Compare("=", operand, Bind(item), @in).Expression;
            result = result is null ? equal : Call(nameof(SqlRuntime.Or), result, equal);
        }
        if (@in.Negated) result = Call(nameof(SqlRuntime.Not), result!);
        return new(result!, SqlType.Boolean);
    }

    private Typed BindBetween(BetweenExpr between)
    {
        var operand = Bind(between.Operand);
        var low = Compare(">=", operand, Bind(between.Low), between).Expression;
        var high = Compare("<=", operand, Bind(between.High), between).Expression;
        Expression result = Call(nameof(SqlRuntime.And), low, high);
        if (between.Negated) result = Call(nameof(SqlRuntime.Not), result);
        return new(result, SqlType.Boolean);
    }

    private Typed BindCase(CaseExpr @case)
    {
        var operand = @case.Operand is null ? null : Bind(@case.Operand);
        var branches = @case.Branches.Select(b => (When: operand is null ? BindCondition(b.When, "CASE WHEN") : Compare("=", operand, Bind(b.When), b.When), Then: Bind(b.Then))).ToList();
        var otherwise = @case.Else is null ? new Typed(Expression.Constant(null), SqlType.Null) : Bind(@case.Else);
        var type = branches.Select(b => b.Then.Type).Append(otherwise.Type).Aggregate((a, b) => CommonType(a, b, @case));
        if (type.Kind == SqlTypeKind.Null) type = SqlType.String;
        Expression result = Convert(otherwise, type).Expression;
        for (int i = branches.Count - 1; i >= 0; i--)
        {
            result = Expression.Condition(Call(nameof(SqlRuntime.IsTrue), Convert(branches[i].When, SqlType.Boolean).Expression), Convert(branches[i].Then, type).Expression, result);
        }
        return new(result, type);
    }
}
