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
internal sealed partial class ExpressionBinder
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
            CastExpr cast => CastChecked(Castable(Bind(cast.Operand), cast), cast.Type, cast, explicitCast: true),
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

    private Typed BindColumn(ColumnExpr column)
    {
        var resolved = _scope.Resolve(column);
        return new Typed(_read(resolved.Index, resolved.Type), resolved.Type);
    }

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
