using System.Linq.Expressions;
using Pipelines.Sql.Compilation;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Binding;

// The scalar functions, by name.
internal sealed partial class ExpressionBinder
{
    private Typed BindCall(CallExpr call)
    {
        string name = call.Name.ToUpperInvariant();
        if (IsAggregateName(name))
        {
            throw SqlException.At(call.Position, $"{name} is an aggregate and cannot be used here: aggregates belong in SELECT, HAVING or ORDER BY of a query with GROUP BY (or over the whole of a bounded table).");
        }
        if (call.Distinct || call.Star) throw SqlException.At(call.Position, $"{name} takes neither DISTINCT nor *.");
        var args = call.Arguments.Select(Bind).ToList();

        // A NULL literal has no numeric type of its own: the numeric functions take it as a DOUBLE NULL.
        Typed Number(int index) => args[index].Type.Kind == SqlTypeKind.Null ? Convert(args[index], SqlType.Double) : args[index];

        // A position, length or number of digits: INT (BIGINT narrowed, checked), or NULL.
        Typed WholeNumber(int index, string what)
        {
            var arg = args[index];
            if (arg.Type.Kind is not (SqlTypeKind.Int or SqlTypeKind.BigInt or SqlTypeKind.Null))
            {
                throw TypeError(call.Arguments[index], $"the {what} of {name} is a whole number, but {call.Arguments[index].Text} is {arg.Type}.");
            }
            return arg.Type.Kind == SqlTypeKind.BigInt ? new(Expression.ConvertChecked(arg.Expression, typeof(int?)), SqlType.Int) : Convert(arg, SqlType.Int);
        }

        // A point in time: a TIMESTAMP, a DATE, a string that reads as one, or NULL. A number is refused: cast to a
        // timestamp it was read as epoch milliseconds, and YEAR(delay) gave 1970.
        Typed Time(int index)
        {
            var arg = args[index];
            if (arg.Type.IsNumeric || arg.Type.Kind == SqlTypeKind.Boolean)
            {
                throw TypeError(call.Arguments[index], $"{name} takes a TIMESTAMP or a DATE, but {call.Arguments[index].Text} is {arg.Type}.");
            }
            return Cast(arg, SqlType.Timestamp);
        }

        Typed One(string method, SqlType type, SqlType result)
        {
            Arity(call, 1);
            return new(Call(method, (type.Kind == SqlTypeKind.Timestamp ? Time(0) : Cast(args[0], type)).Expression), result);
        }

        switch (name)
        {
            case "UPPER": return One(nameof(SqlRuntime.Upper), SqlType.String, SqlType.String);
            case "LOWER": return One(nameof(SqlRuntime.Lower), SqlType.String, SqlType.String);
            case "TRIM": return One(nameof(SqlRuntime.Trim), SqlType.String, SqlType.String);
            case "CHAR_LENGTH" or "CHARACTER_LENGTH" or "LENGTH": return One(nameof(SqlRuntime.CharLength), SqlType.String, SqlType.Int);
            case "SUBSTRING" or "SUBSTR":
                if (args.Count is not (2 or 3)) throw SqlException.At(call.Position, $"{name} takes 2 or 3 arguments (string, start[, length]), not {args.Count}.");
                return args.Count == 3
                    ? new(Call(nameof(SqlRuntime.Substring), Cast(args[0], SqlType.String).Expression, WholeNumber(1, "start").Expression, WholeNumber(2, "length").Expression), SqlType.String)
                    : new(Call(nameof(SqlRuntime.Substring), Cast(args[0], SqlType.String).Expression, WholeNumber(1, "start").Expression), SqlType.String);
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
            {
                Arity(call, 1);
                RequireNumeric(args[0], call.Arguments[0], name);
                var value = Number(0);
                return new(Call(nameof(SqlRuntime.Abs), value.Expression), value.Type);
            }
            case "FLOOR" or "CEIL" or "CEILING":
            {
                Arity(call, 1);
                RequireNumeric(args[0], call.Arguments[0], name);
                var value = Number(0);
                if (value.Type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt) return value;
                return new(Call(name == "FLOOR" ? nameof(SqlRuntime.Floor) : nameof(SqlRuntime.Ceil), value.Expression), value.Type);
            }
            case "ROUND":
            {
                if (args.Count is not (1 or 2)) throw SqlException.At(call.Position, $"ROUND takes 1 or 2 arguments, not {args.Count}.");
                RequireNumeric(args[0], call.Arguments[0], name);
                var value = Number(0);
                var digits = args.Count == 2 ? WholeNumber(1, "digits").Expression : Expression.Constant(0, typeof(int?));
                if (args.Count == 1 && value.Type.Kind is SqlTypeKind.Int or SqlTypeKind.BigInt) return value;
                return new(Call(nameof(SqlRuntime.Round), value.Expression, digits), value.Type);
            }
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
                return new(Call(nameof(SqlRuntime.DateFormat), Time(0).Expression, Cast(args[1], SqlType.String).Expression), SqlType.String);
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
}
