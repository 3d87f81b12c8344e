using System.Linq.Expressions;
using System.Reflection;
using Pipelines.Sql.Compilation;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Binding;

/// <summary>
/// Type-checks an expression against the columns in scope and turns it into a LINQ expression tree over the
/// relation's element (a <see cref="Row"/>, a registered stream's element, or a window result), read through a
/// <see cref="ColumnReader"/>; the tree is compiled once into a delegate. Numbers are widened to a common type
/// (INT → BIGINT → DECIMAL → DOUBLE), NULL takes the type of the other operand, and every operation follows
/// SQL's NULL rules.
/// </summary>
internal sealed class ExpressionBinder
{
    private static readonly MethodInfo RowItem = typeof(Row).GetProperty("Item")!.GetMethod!;
    private readonly Scope _scope;
    private readonly ColumnReader _read;
    private readonly AggregateContext? _aggregate;

    public ExpressionBinder(Scope scope, ColumnReader read, AggregateContext? aggregate = null)
    {
        _scope = scope;
        _read = read;
        _aggregate = aggregate;
    }

    /// <summary>A binder over a <see cref="Row"/> parameter whose values are the scope's columns in order.</summary>
    public ExpressionBinder(Scope scope, ParameterExpression row)
        : this(scope, (index, type) => ReadColumn(row, index, type))
    {
    }

    public static bool IsAggregateName(string name) =>
        name.ToUpperInvariant() is "COUNT" or "SUM" or "AVG" or "MIN" or "MAX";

    /// <summary>Whether the expression contains an aggregate call.</summary>
    public static bool HasAggregate(Expr expr) => expr switch
    {
        CallExpr call when IsAggregateName(call.Name) => true,
        _ => Children(expr).Any(HasAggregate),
    };

    public static IEnumerable<Expr> Children(Expr expr) => expr switch
    {
        BinaryExpr b => [b.Left, b.Right],
        UnaryExpr u => [u.Operand],
        CallExpr c => c.Arguments,
        CaseExpr c => new[] { c.Operand, c.Else }.OfType<Expr>().Concat(c.Branches.SelectMany(b => new[] { b.When, b.Then })),
        CastExpr c => [c.Operand],
        IsNullExpr i => [i.Operand],
        LikeExpr l => [l.Operand, l.Pattern],
        InExpr i => [i.Operand, .. i.Items],
        BetweenExpr b => [b.Operand, b.Low, b.High],
        _ => [],
    };

    public static IEnumerable<ColumnExpr> ColumnsIn(Expr expr) =>
        expr is ColumnExpr c ? [c] : Children(expr).SelectMany(ColumnsIn);

    public Typed Bind(Expr expr)
    {
        if (_aggregate is not null)
        {
            var grouped = BindGrouped(expr);
            if (grouped is not null) return grouped;
        }
        return expr switch
        {
            LiteralExpr literal => Constant(literal.Value, literal.Type),
            IntervalExpr interval => Constant(interval.Value, SqlType.Interval),
            ColumnExpr column => BindColumn(column),
            UnaryExpr unary => BindUnary(unary),
            BinaryExpr binary => BindBinary(binary),
            CallExpr call => BindCall(call),
            CaseExpr @case => BindCase(@case),
            CastExpr cast => Cast(Bind(cast.Operand), cast.Type),
            IsNullExpr isNull => BindIsNull(isNull),
            LikeExpr like => BindLike(like),
            InExpr @in => BindIn(@in),
            BetweenExpr between => BindBetween(between),
            _ => throw SqlException.At(expr.Position, $"unsupported expression {expr.Text}."),
        };
    }

    /// <summary>Binds a condition (WHERE, HAVING, ON): it must be BOOLEAN.</summary>
    public Typed BindCondition(Expr expr, string clause)
    {
        var bound = Bind(expr);
        if (bound.Type.Kind is not (SqlTypeKind.Boolean or SqlTypeKind.Null))
        {
            throw SqlException.At(expr.Position, $"{clause} needs a BOOLEAN condition, but {expr.Text} is {bound.Type}.");
        }
        return bound;
    }

    /// <summary>Reads column <paramref name="index"/> of <paramref name="row"/> as the nullable .NET type of <paramref name="type"/>.</summary>
    public static Expression ReadColumn(Expression row, int index, SqlType type) =>
        Expression.Convert(Expression.Call(row, RowItem, Expression.Constant(index)), type.Kind == SqlTypeKind.Null ? typeof(object) : type.NullableClrType);

    public static Func<Row, object?> CompileBoxed(Typed typed, ParameterExpression row) =>
        Expression.Lambda<Func<Row, object?>>(Boxed(NullFree.Rewrite(typed.Expression)), row).Compile();

    /// <summary>The expression as an object: a column read as it is hands on the row's boxed value instead of unboxing and boxing it again.</summary>
    private static Expression Boxed(Expression expression) =>
        expression is UnaryExpression { NodeType: ExpressionType.Convert, Operand: MethodCallExpression read } && read.Method == RowItem
            ? read
            : Expression.Convert(expression, typeof(object));

    /// <summary>A condition as a delegate that is true only for TRUE (not for FALSE or NULL).</summary>
    public static Func<T, bool> CompilePredicate<T>(Typed typed, ParameterExpression element) =>
        Expression.Lambda<Func<T, bool>>(NullFree.Rewrite(Call(nameof(SqlRuntime.IsTrue), Convert(typed, SqlType.Boolean).Expression)), element).Compile();

    /// <summary>
    /// The expression that evaluates every column and makes the output row: a typed row, nothing boxed, and a value
    /// that cannot be NULL kept in a plain field (an <see cref="int"/> rather than an <see cref="int"/>?).
    /// </summary>
    public static Expression NewRow(IReadOnlyList<Typed> columns) => TypedRows.New([.. columns.Select(c =>
    {
        var value = NullFree.Rewrite(c.Expression);
        return NullFree.Value(value) is { Type.IsValueType: true } plain ? plain : value;
    })]);

    private Typed? BindGrouped(Expr expr)
    {
        var context = _aggregate!;
        string text = expr.Text;
        for (int i = 0; i < context.Keys.Count; i++)
        {
            if (string.Equals(context.Keys[i].Text, text, StringComparison.OrdinalIgnoreCase)) return new(_read(i, context.Keys[i].Type), context.Keys[i].Type);
        }
        if (expr is ColumnExpr column)
        {
            if (context.Windowed && column.Qualifier is null)
            {
                int w = column.Name.ToUpperInvariant() switch { "WINDOW_START" => 0, "WINDOW_END" => 1, "WINDOW_TIME" => 2, _ => -1 };
                if (w >= 0) return new(_read(context.WindowOffset + w, SqlType.Timestamp), SqlType.Timestamp);
            }
            var resolved = context.Input.Resolve(column);
            for (int i = 0; i < context.Keys.Count; i++)
            {
                if (context.Keys[i].InputColumn == resolved.Index) return new(_read(i, context.Keys[i].Type), context.Keys[i].Type);
            }
            throw SqlException.At(column.Position,
                $"column '{column.Text}' is neither grouped nor aggregated: add it to GROUP BY, or aggregate it, as in MAX({column.Text}).");
        }
        if (expr is CallExpr call && IsAggregateName(call.Name))
        {
            var aggregate = BindAggregate(call, context);
            int index = context.Aggregates.FindIndex(a => a.Text == aggregate.Text);
            if (index < 0)
            {
                context.Aggregates.Add(aggregate);
                index = context.Aggregates.Count - 1;
            }
            return new(_read(context.AggregateOffset + index, aggregate.ResultType), aggregate.ResultType);
        }
        return null;
    }

    private static AggregateCall BindAggregate(CallExpr call, AggregateContext context)
    {
        string name = call.Name.ToUpperInvariant();
        if (call.Star)
        {
            if (name != "COUNT") throw SqlException.At(call.Position, $"{name}(*) is not an aggregate; only COUNT(*) takes *.");
            return new AggregateCall(AggregateKind.CountStar, call.Text, null, SqlType.BigInt, SqlType.BigInt);
        }
        if (call.Arguments.Count != 1) throw SqlException.At(call.Position, $"{name} takes one argument, not {call.Arguments.Count}.");
        if (HasAggregate(call.Arguments[0])) throw SqlException.At(call.Arguments[0].Position, "aggregates cannot be nested.");
        var inner = new ExpressionBinder(context.Input, context.InputRead);
        var argument = inner.Bind(call.Arguments[0]);
        var type = argument.Type;
        if (call.Distinct && name != "COUNT") throw SqlException.At(call.Position, $"DISTINCT is supported in COUNT only, not in {name}.");
        switch (name)
        {
            case "COUNT":
                return new AggregateCall(call.Distinct ? AggregateKind.CountDistinct : AggregateKind.Count, call.Text, argument, type, SqlType.BigInt);
            case "SUM" or "AVG":
                if (!type.IsNumeric) throw SqlException.At(call.Arguments[0].Position, $"{name} needs a number, but {call.Arguments[0].Text} is {type}.");
                var result = name == "AVG"
                    ? type.Kind == SqlTypeKind.Decimal ? SqlType.Decimal(28, Math.Max(type.Scale, 6)) : SqlType.Double
                    : type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt ? SqlType.BigInt : type.Kind == SqlTypeKind.Decimal ? SqlType.Decimal(28, type.Scale) : SqlType.Double;
                return new AggregateCall(name == "SUM" ? AggregateKind.Sum : AggregateKind.Avg, call.Text, argument, type, result);
            default:
                if (type.Kind is SqlTypeKind.Interval or SqlTypeKind.Null) throw SqlException.At(call.Arguments[0].Position, $"{name} cannot compare values of type {type}.");
                return new AggregateCall(name == "MIN" ? AggregateKind.Min : AggregateKind.Max, call.Text, argument, type, type);
        }
    }

    private Typed BindColumn(ColumnExpr column)
    {
        var resolved = _scope.Resolve(column);
        return new Typed(_read(resolved.Index, resolved.Type), resolved.Type);
    }

    private Typed BindUnary(UnaryExpr unary)
    {
        var operand = Bind(unary.Operand);
        if (unary.Operator == "NOT")
        {
            RequireBoolean(operand, unary.Operand, "NOT");
            return new(Call(nameof(SqlRuntime.Not), Convert(operand, SqlType.Boolean).Expression), SqlType.Boolean);
        }
        if (!operand.Type.IsNumeric && operand.Type.Kind != SqlTypeKind.Interval) throw TypeError(unary, $"'-' needs a number, but {unary.Operand.Text} is {operand.Type}.");
        return new(Expression.Negate(operand.Expression), operand.Type);
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
            "+" => new(Expression.Add(l, r), type),
            "-" => new(Expression.Subtract(l, r), type),
            "*" => new(Expression.Multiply(l, r), type),
            "/" => new(Call(nameof(SqlRuntime.Divide), l, r), type),
            _ => new(Call(nameof(SqlRuntime.Modulo), l, r), type),
        };
    }

    private Typed Compare(string op, Typed left, Typed right, Expr where)
    {
        SqlType type;
        if (IsNumericOrNull(left.Type) && IsNumericOrNull(right.Type)) type = CommonNumeric(left.Type, right.Type, "=");
        else if (left.Type.IsTimestamp && right.Type.IsTimestamp) type = SqlType.Timestamp;
        else if (left.Type.Kind == SqlTypeKind.Null) type = right.Type;
        else if (right.Type.Kind == SqlTypeKind.Null || left.Type.Kind == right.Type.Kind) type = left.Type;
        else if (left.Type.IsTimestamp && right.Type.Kind == SqlTypeKind.String) type = left.Type;
        else if (right.Type.IsTimestamp && left.Type.Kind == SqlTypeKind.String) type = right.Type;
        else throw TypeError(where, $"cannot compare {left.Type} with {right.Type} in {where.Text}; CAST one side to the other's type.");

        var l = Cast(left, type).Expression;
        var r = Cast(right, type).Expression;
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

    private Typed BindCall(CallExpr call)
    {
        string name = call.Name.ToUpperInvariant();
        if (IsAggregateName(name))
        {
            throw SqlException.At(call.Position, $"{name} is an aggregate and cannot be used here: aggregates belong in SELECT, HAVING or ORDER BY of a query with GROUP BY (or over the whole of a bounded table).");
        }
        if (call.Distinct || call.Star) throw SqlException.At(call.Position, $"{name} takes neither DISTINCT nor *.");
        var args = call.Arguments.Select(Bind).ToList();

        Typed One(string method, SqlType type, SqlType result)
        {
            Arity(call, 1);
            return new(Call(method, Cast(args[0], type).Expression), result);
        }

        switch (name)
        {
            case "UPPER": return One(nameof(SqlRuntime.Upper), SqlType.String, SqlType.String);
            case "LOWER": return One(nameof(SqlRuntime.Lower), SqlType.String, SqlType.String);
            case "TRIM": return One(nameof(SqlRuntime.Trim), SqlType.String, SqlType.String);
            case "CHAR_LENGTH" or "CHARACTER_LENGTH" or "LENGTH": return One(nameof(SqlRuntime.CharLength), SqlType.String, SqlType.Int);
            case "SUBSTRING" or "SUBSTR":
                if (args.Count is not (2 or 3)) throw SqlException.At(call.Position, $"{name} takes 2 or 3 arguments (string, start[, length]), not {args.Count}.");
                return new(Call(nameof(SqlRuntime.Substring), Cast(args[0], SqlType.String).Expression, Convert(args[1], SqlType.Int).Expression,
                    args.Count == 3 ? Convert(args[2], SqlType.Int).Expression : Expression.Constant(null, typeof(int?))), SqlType.String);
            case "REPLACE":
                Arity(call, 3);
                return new(Call(nameof(SqlRuntime.Replace), args.Select(a => Cast(a, SqlType.String).Expression).ToArray()), SqlType.String);
            case "POSITION":
                Arity(call, 2);
                return new(Call(nameof(SqlRuntime.Position), Cast(args[0], SqlType.String).Expression, Cast(args[1], SqlType.String).Expression), SqlType.Int);
            case "CONCAT":
                if (args.Count == 0) throw SqlException.At(call.Position, "CONCAT needs at least one argument.");
                return new(Call(nameof(SqlRuntime.ConcatAll), Expression.NewArrayInit(typeof(string), args.Select(a => Cast(a, SqlType.String).Expression))), SqlType.String);
            case "ABS":
                Arity(call, 1);
                RequireNumeric(args[0], call.Arguments[0], name);
                return new(Call(nameof(SqlRuntime.Abs), args[0].Expression), args[0].Type);
            case "FLOOR" or "CEIL" or "CEILING":
                Arity(call, 1);
                RequireNumeric(args[0], call.Arguments[0], name);
                if (args[0].Type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt) return args[0];
                return new(Call(name == "FLOOR" ? nameof(SqlRuntime.Floor) : nameof(SqlRuntime.Ceil), args[0].Expression), args[0].Type);
            case "ROUND":
                if (args.Count is not (1 or 2)) throw SqlException.At(call.Position, $"ROUND takes 1 or 2 arguments, not {args.Count}.");
                RequireNumeric(args[0], call.Arguments[0], name);
                var digits = args.Count == 2 ? Convert(args[1], SqlType.Int).Expression : Expression.Constant(0, typeof(int?));
                if (args[0].Type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt) return args[0];
                return new(Call(nameof(SqlRuntime.Round), args[0].Expression, digits), args[0].Type);
            case "MOD":
                Arity(call, 2);
                return BindBinary(new BinaryExpr("%", call.Arguments[0], call.Arguments[1], call.Position));
            case "POWER":
                Arity(call, 2);
                return new(Call(nameof(SqlRuntime.Power), Cast(args[0], SqlType.Double).Expression, Cast(args[1], SqlType.Double).Expression), SqlType.Double);
            case "SQRT": return One(nameof(SqlRuntime.Sqrt), SqlType.Double, SqlType.Double);
            case "LN": return One(nameof(SqlRuntime.Ln), SqlType.Double, SqlType.Double);
            case "EXP": return One(nameof(SqlRuntime.Exp), SqlType.Double, SqlType.Double);
            case "YEAR": return One(nameof(SqlRuntime.Year), SqlType.Timestamp, SqlType.BigInt);
            case "MONTH": return One(nameof(SqlRuntime.Month), SqlType.Timestamp, SqlType.BigInt);
            case "DAYOFMONTH": return One(nameof(SqlRuntime.DayOfMonth), SqlType.Timestamp, SqlType.BigInt);
            case "HOUR": return One(nameof(SqlRuntime.Hour), SqlType.Timestamp, SqlType.BigInt);
            case "MINUTE": return One(nameof(SqlRuntime.Minute), SqlType.Timestamp, SqlType.BigInt);
            case "SECOND": return One(nameof(SqlRuntime.Second), SqlType.Timestamp, SqlType.BigInt);
            case "TO_DATE": return One(nameof(SqlRuntime.ToDate), SqlType.Timestamp, SqlType.Date);
            case "TO_TIMESTAMP": return One(nameof(SqlRuntime.ToTimestamp), SqlType.String, SqlType.Timestamp);
            case "DATE_FORMAT":
                Arity(call, 2);
                return new(Call(nameof(SqlRuntime.DateFormat), Cast(args[0], SqlType.Timestamp).Expression, Cast(args[1], SqlType.String).Expression), SqlType.String);
            case "COALESCE" or "IFNULL":
                if (args.Count == 0) throw SqlException.At(call.Position, $"{name} needs at least one argument.");
                var type = args.Select(a => a.Type).Aggregate((a, b) => CommonType(a, b, call));
                Expression result = Convert(args[^1], type).Expression;
                for (int i = args.Count - 2; i >= 0; i--)
                {
                    var value = Convert(args[i], type).Expression;
                    result = Expression.Coalesce(value, result);
                }
                return new(result, type);
            case "NULLIF":
                Arity(call, 2);
                var equal = Compare("=", args[0], args[1], call).Expression;
                return new(Expression.Condition(Call(nameof(SqlRuntime.IsTrue), equal), Expression.Constant(null, args[0].Type.NullableClrType), args[0].Expression), args[0].Type);
            default:
                throw SqlException.At(call.Position, $"unknown function '{call.Name}'{Suggestions.DidYouMean(call.Name, KnownFunctions)}");
        }
    }

    internal static readonly string[] KnownFunctions =
    [
        "UPPER", "LOWER", "TRIM", "CHAR_LENGTH", "SUBSTRING", "REPLACE", "POSITION", "CONCAT", "ABS", "FLOOR", "CEIL", "ROUND", "MOD",
        "POWER", "SQRT", "LN", "EXP", "YEAR", "MONTH", "DAYOFMONTH", "HOUR", "MINUTE", "SECOND", "TO_DATE", "TO_TIMESTAMP", "DATE_FORMAT",
        "COALESCE", "NULLIF", "COUNT", "SUM", "AVG", "MIN", "MAX",
    ];

    /// <summary>An explicit CAST: any type to any other, checked when the row is read.</summary>
    public static Typed Cast(Typed value, SqlType target)
    {
        if (value.Type == target || (value.Type.Kind == target.Kind && target.Kind != SqlTypeKind.Decimal)) return value;
        if (value.Type.Kind == SqlTypeKind.Null) return new(Expression.Constant(null, target.NullableClrType), target);
        if (IsNumericOrNull(value.Type) && target.IsNumeric && Widens(value.Type, target)) return Convert(value, target);
        if (value.Type.IsTimestamp && target.IsTimestamp) return new(value.Expression, target);
        var boxed = Expression.Convert(value.Expression, typeof(object));
        Expression cast = target.Kind switch
        {
            SqlTypeKind.Boolean => Call(nameof(SqlRuntime.CastToBoolean), boxed),
            SqlTypeKind.Int => Call(nameof(SqlRuntime.CastToInt), boxed),
            SqlTypeKind.BigInt => Call(nameof(SqlRuntime.CastToBigInt), boxed),
            SqlTypeKind.Double => Call(nameof(SqlRuntime.CastToDouble), boxed),
            SqlTypeKind.Decimal => Call(nameof(SqlRuntime.CastToDecimal), boxed, Expression.Constant(target.Scale)),
            SqlTypeKind.String => Call(nameof(SqlRuntime.CastToString), boxed),
            SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz => Call(nameof(SqlRuntime.CastToTimestamp), boxed),
            SqlTypeKind.Date => Call(nameof(SqlRuntime.CastToDate), boxed),
            _ => throw new SqlException($"cannot CAST to {target}."),
        };
        return new(cast, target);
    }

    /// <summary>An implicit conversion: NULL to anything, a number to a wider number.</summary>
    public static Typed Convert(Typed value, SqlType target)
    {
        if (value.Expression.Type == target.NullableClrType) return new(value.Expression, target);
        if (value.Type.Kind == SqlTypeKind.Null) return new(Expression.Constant(null, target.NullableClrType), target);
        return new(Expression.Convert(value.Expression, target.NullableClrType), target);
    }

    public static SqlType CommonType(SqlType a, SqlType b, Expr where)
    {
        if (a.Kind == SqlTypeKind.Null) return b;
        if (b.Kind == SqlTypeKind.Null) return a;
        if (a.IsNumeric && b.IsNumeric) return CommonNumeric(a, b, "=");
        if (a.IsTimestamp && b.IsTimestamp) return a;
        if (a.Kind == b.Kind) return a;
        throw TypeError(where, $"the values in {where.Text} have different types, {a} and {b}; CAST them to one type.");
    }

    private static SqlType CommonNumeric(SqlType a, SqlType b, string op)
    {
        if (a.Kind == SqlTypeKind.Null) return b.Kind == SqlTypeKind.Null ? SqlType.Int : b;
        if (b.Kind == SqlTypeKind.Null) return a;
        if (a.Kind == SqlTypeKind.Double || b.Kind == SqlTypeKind.Double) return SqlType.Double;
        if (a.Kind == SqlTypeKind.Decimal || b.Kind == SqlTypeKind.Decimal)
        {
            int scaleA = a.Kind == SqlTypeKind.Decimal ? a.Scale : 0, scaleB = b.Kind == SqlTypeKind.Decimal ? b.Scale : 0;
            int scale = op switch { "*" => Math.Min(28, scaleA + scaleB), "/" => Math.Max(6, Math.Max(scaleA, scaleB)), _ => Math.Max(scaleA, scaleB) };
            return SqlType.Decimal(28, scale);
        }
        if (a.Kind == SqlTypeKind.BigInt || b.Kind == SqlTypeKind.BigInt) return SqlType.BigInt;
        return SqlType.Int;
    }

    private static bool Widens(SqlType from, SqlType to) => Rank(from) <= Rank(to);

    private static int Rank(SqlType t) => t.Kind switch { SqlTypeKind.Int => 1, SqlTypeKind.BigInt => 2, SqlTypeKind.Decimal => 3, SqlTypeKind.Double => 4, _ => 0 };

    private static bool IsNumericOrNull(SqlType t) => t.IsNumeric || t.Kind == SqlTypeKind.Null;

    private static Typed Constant(object? value, SqlType type) =>
        new(type.Kind == SqlTypeKind.Null ? Expression.Constant(null) : Expression.Constant(value, type.NullableClrType), type);

    private static Expression Call(string method, params Expression[] args)
    {
        var types = args.Select(a => a.Type).ToArray();
        var info = typeof(SqlRuntime).GetMethod(method, BindingFlags.Public | BindingFlags.Static, types)
            ?? throw new InvalidOperationException($"SqlRuntime.{method}({string.Join(", ", types.Select(t => t.Name))}) is missing.");
        return Expression.Call(info, args);
    }

    private static void Arity(CallExpr call, int count)
    {
        if (call.Arguments.Count != count) throw SqlException.At(call.Position, $"{call.Name.ToUpperInvariant()} takes {count} argument{(count == 1 ? string.Empty : "s")}, not {call.Arguments.Count}.");
    }

    private static void RequireNumeric(Typed value, Expr expr, string function)
    {
        if (!IsNumericOrNull(value.Type)) throw TypeError(expr, $"{function} needs a number, but {expr.Text} is {value.Type}.");
    }

    private static void RequireBoolean(Typed value, Expr expr, string op)
    {
        if (value.Type.Kind is not (SqlTypeKind.Boolean or SqlTypeKind.Null)) throw TypeError(expr, $"{op} needs BOOLEAN operands, but {expr.Text} is {value.Type}.");
    }

    private static SqlException TypeError(Expr where, string message) => SqlException.At(where.Position, message);
}
