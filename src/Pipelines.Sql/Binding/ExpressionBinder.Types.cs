using System.Linq.Expressions;
using Pipelines.Sql.Compilation;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Binding;

// Casts, implicit widening and the common type of two values.
internal sealed partial class ExpressionBinder
{
    /// <summary>An explicit CAST: any type to any other, checked when the row is read.</summary>
    public static Typed Cast(Typed value, SqlType target)
    {
        if (value.Type == target || (value.Type.Kind == target.Kind && target.Kind != SqlTypeKind.Decimal)) return value;
        if (value.Type.Kind == SqlTypeKind.Null) return new(Expression.Constant(null, target.NullableClrType), target);
        if (value.Type.Kind == SqlTypeKind.Decimal && target.Kind == SqlTypeKind.Decimal && value.Type.Scale > target.Scale)
        {
            // Fewer decimal places: rounded half away from zero, as CAST and INSERT into a DECIMAL column do in SQL.
            return new(Call(nameof(SqlRuntime.RoundDecimal), Convert(value, SqlType.Decimal(28, value.Type.Scale)).Expression, Expression.Constant(target.Scale)), target);
        }
        if (value.Type.Kind == SqlTypeKind.Decimal && target.Kind == SqlTypeKind.String)
        {
            // With the type's decimal places, as SQL shows a DECIMAL(10, 2) 130 as '130.00'.
            return new(Call(nameof(SqlRuntime.DecimalToString), value.Expression, Expression.Constant(value.Type.Scale)), target);
        }
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

    /// <summary>
    /// The operand of a CAST, refused where it is written when no value of its type converts to the target (a
    /// TIMESTAMP to INT, a BOOLEAN to DATE): such a query failed on its first row, or ran without a word over an
    /// empty input.
    /// </summary>
    private static Typed Castable(Typed value, CastExpr cast)
    {
        var from = value.Type.Kind;
        var to = cast.Type.Kind;
        bool moment = from is SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz or SqlTypeKind.Date;
        bool refused = (moment && to is SqlTypeKind.Int or SqlTypeKind.Double or SqlTypeKind.Decimal or SqlTypeKind.Boolean)
            || (from == SqlTypeKind.Date && to == SqlTypeKind.BigInt)
            || (from is SqlTypeKind.Boolean or SqlTypeKind.Double or SqlTypeKind.Decimal && to is SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz or SqlTypeKind.Date)
            || (from is SqlTypeKind.Int or SqlTypeKind.BigInt && to == SqlTypeKind.Date);
        if (!refused) return value;
        string hint = from is SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz ? " (CAST to BIGINT gives its epoch milliseconds)"
            : from is SqlTypeKind.Int or SqlTypeKind.BigInt && to == SqlTypeKind.Date ? " (CAST to TIMESTAMP reads epoch milliseconds)"
            : "";
        throw TypeError(cast, $"{cast.Operand.Text} is {value.Type}, which cannot be cast to {cast.Type}{hint}.");
    }

    /// <summary>
    /// <see cref="Cast"/>, with a literal converted when the query is planned: a literal that is not a value of
    /// <paramref name="target"/> ('abc' AS INT, '05/01/2024' compared with a TIMESTAMP) is an error at
    /// <paramref name="where"/>, not a failure of the run at its first row (or none over an empty input). An
    /// <paramref name="explicitCast"/> to DECIMAL(p, s) also holds its precision: a value with more than p − s digits
    /// before the point fails its row (the error policy) naming the CAST, as an INSERT into such a column does.
    /// </summary>
    public static Typed CastChecked(Typed value, SqlType target, Expr where, bool explicitCast = false)
    {
        var cast = Cast(value, target);
        if (explicitCast && target.Kind == SqlTypeKind.Decimal && target.Precision - target.Scale < 29)
        {
            cast = new(Call(nameof(SqlRuntime.FitDecimal), Convert(cast, target).Expression, Expression.Constant(target.Precision - target.Scale), Expression.Constant(where.Text)), target);
        }

        if (value.Expression is not ConstantExpression { Value: { } literal } || ReferenceEquals(cast.Expression, value.Expression)) return cast;
        object? converted;
        try
        {
            converted = Expression.Lambda<Func<object?>>(Expression.Convert(cast.Expression, typeof(object))).Compile(preferInterpretation: true)();
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException or ArgumentException)
        {
            string shown = literal is string text ? $"'{text}'" : System.Convert.ToString(literal, System.Globalization.CultureInfo.InvariantCulture)!;
            string within = where is BinaryExpr binary ? $"{binary.Left.Text} {binary.Operator} {binary.Right.Text}" : where.Text;
            throw TypeError(where, ex is OverflowException
                ? $"{shown} is out of the range of {target}, in {within}."
                : $"{ex.Message.TrimEnd('.')}, in {within}.");
        }
        return new(Expression.Constant(converted, target.NullableClrType), target);
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

    /// <summary>
    /// Whether a value of <paramref name="from"/> written to a column of <paramref name="to"/> can lose digits after
    /// the point without an error: a DOUBLE or a DECIMAL with decimal places into an integer, a DOUBLE into a DECIMAL.
    /// (Too large a value for the column fails its row instead.)
    /// </summary>
    public static bool LosesFraction(SqlType from, SqlType to) =>
        (to.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt && (from.Kind == SqlTypeKind.Double || (from.Kind == SqlTypeKind.Decimal && from.Scale > 0)))
        || (to.Kind == SqlTypeKind.Decimal && from.Kind == SqlTypeKind.Double);

    private static int Rank(SqlType t) => t.Kind switch { SqlTypeKind.Int => 1, SqlTypeKind.BigInt => 2, SqlTypeKind.Decimal => 3, SqlTypeKind.Double => 4, _ => 0 };

    private static bool IsNumericOrNull(SqlType t) => t.IsNumeric || t.Kind == SqlTypeKind.Null;
}
