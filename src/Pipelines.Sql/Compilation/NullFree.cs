using System.Linq.Expressions;

namespace Pipelines.Sql.Compilation;

/// <summary>
/// Takes NULL handling out of a bound expression where a value cannot be NULL. The binder gives every value its
/// nullable .NET type, so <c>Value % 2 = 0</c> over a <see cref="long"/> property becomes lifted arithmetic on
/// <c>long?</c>; when the operands are known values — a non-nullable property or field widened to nullable, or a
/// constant — the operation is done on the plain values and only its result is widened. The answers are the same;
/// the compiled delegate does no <c>HasValue</c> tests for them.
/// </summary>
internal sealed class NullFree : ExpressionVisitor
{
    private static readonly NullFree Instance = new();

    private static readonly HashSet<ExpressionType> Rebuilt =
    [
        ExpressionType.Add, ExpressionType.Subtract, ExpressionType.Multiply,
        ExpressionType.AddChecked, ExpressionType.SubtractChecked, ExpressionType.MultiplyChecked,
        ExpressionType.Equal, ExpressionType.NotEqual, ExpressionType.LessThan, ExpressionType.LessThanOrEqual,
        ExpressionType.GreaterThan, ExpressionType.GreaterThanOrEqual,
    ];

    public static Expression Rewrite(Expression expression) => Instance.Visit(expression);

    /// <summary>The plain value inside <paramref name="expression"/> when it is a value widened to nullable or a constant, else null.</summary>
    public static Expression? Value(Expression expression) => expression switch
    {
        UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand } convert
            when Nullable.GetUnderlyingType(convert.Type) is { } underlying && operand.Type == underlying => operand,
        ConstantExpression { Value: { } value } constant
            when Nullable.GetUnderlyingType(constant.Type) is { } underlying => Expression.Constant(value, underlying),
        _ => null,
    };

    protected override Expression VisitUnary(UnaryExpression node)
    {
        var visited = base.VisitUnary(node);
        if (visited is UnaryExpression { NodeType: ExpressionType.Convert } convert
            && Nullable.GetUnderlyingType(convert.Type) is { } target
            && Nullable.GetUnderlyingType(convert.Operand.Type) is not null
            && Value(convert.Operand) is { } value
            && IsNumeric(value.Type) && IsNumeric(target))
        {
            // (long?)(int?)x → (long?)(long)x, and a constant converted once, here.
            var plain = value is ConstantExpression
                ? Expression.Constant(Expression.Lambda<Func<object>>(Expression.Convert(Expression.Convert(value, target), typeof(object))).Compile()(), target)
                : (Expression)Expression.Convert(value, target);
            return Expression.Convert(plain, convert.Type);
        }
        if (visited is UnaryExpression { NodeType: ExpressionType.Negate or ExpressionType.NegateChecked, IsLifted: true } negate && Value(negate.Operand) is { } operand)
        {
            return Expression.Convert(Expression.MakeUnary(negate.NodeType, operand, operand.Type), negate.Type);
        }
        return visited;
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        var visited = base.VisitBinary(node);
        if (visited is BinaryExpression { IsLifted: true } binary && Rebuilt.Contains(binary.NodeType)
            && Value(binary.Left) is { } left && Value(binary.Right) is { } right && left.Type == right.Type)
        {
            var plain = Expression.MakeBinary(binary.NodeType, left, right);
            return plain.Type == binary.Type ? plain : Expression.Convert(plain, binary.Type);
        }
        return visited;
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        var visited = base.VisitMethodCall(node);
        if (visited is not MethodCallExpression call || call.Method.DeclaringType != typeof(SqlRuntime)) return visited;
        var values = call.Arguments.Select(Value).ToList();
        if (values.Any(v => v is null)) return visited;
        var a = values[0]!;
        switch (call.Method.Name)
        {
            case nameof(SqlRuntime.IsTrue) when a.Type == typeof(bool):
                return a;
            case nameof(SqlRuntime.Not) when a.Type == typeof(bool):
                return Expression.Convert(Expression.Not(a), call.Type);
            case nameof(SqlRuntime.And) or nameof(SqlRuntime.Or) when a.Type == typeof(bool):
                var both = call.Method.Name == nameof(SqlRuntime.And) ? Expression.AndAlso(a, values[1]!) : Expression.OrElse(a, values[1]!);
                return Expression.Convert(both, call.Type);
            case nameof(SqlRuntime.Divide) or nameof(SqlRuntime.Modulo) when values.Count == 2 && a.Type == values[1]!.Type:
                // NULL only for a zero divisor (except DOUBLE, which gives infinity or NaN): plain when that cannot happen.
                var b = values[1]!;
                if (a.Type != typeof(double) && !(b is ConstantExpression { Value: { } divisor } && !IsZero(divisor))) return visited;
                var result = call.Method.Name == nameof(SqlRuntime.Divide) ? Expression.Divide(a, b) : Expression.Modulo(a, b);
                return Expression.Convert(result, call.Type);
            default:
                return visited;
        }
    }

    private static bool IsNumeric(Type type) => type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal);

    private static bool IsZero(object value) => value switch
    {
        int i => i == 0,
        long l => l == 0,
        decimal m => m == 0,
        _ => true,
    };
}
