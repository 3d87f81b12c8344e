using System.Linq.Expressions;
using System.Reflection;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Compilation;

/// <summary>
/// One aggregate call as expressions over its field of the query's accumulator: the field's type (its default is
/// the empty state), how a value is added, how two states merge (sessions), and the SQL result.
/// </summary>
internal sealed class AggregateStep
{
    private readonly Func<Expression, Expression> _add;
    private readonly MethodInfo _merge;
    private readonly Func<Expression, Expression> _result;

    private AggregateStep(Type state, Func<Expression, Expression> add, MethodInfo merge, Func<Expression, Expression> result)
    {
        State = state;
        _add = add;
        _merge = merge;
        _result = result;
    }

    /// <summary>The type of the call's field in the accumulator.</summary>
    public Type State { get; }

    /// <summary>The state after adding the call's argument of the element the argument expression reads.</summary>
    public Expression Add(Expression state) => _add(state);

    public Expression Merge(Expression left, Expression right) => Expression.Call(_merge, left, right);

    /// <summary>The call's result: a value of its result type's nullable .NET type.</summary>
    public Expression Result(Expression state) => _result(state);

    public static AggregateStep For(AggregateCall call)
    {
        var argument = call.Argument is { } bound ? NullFree.Rewrite(bound.Expression) : null;
        if (argument is { Type.IsValueType: true } && Nullable.GetUnderlyingType(argument.Type) is null)
        {
            argument = Expression.Convert(argument, typeof(Nullable<>).MakeGenericType(argument.Type));
        }
        switch (call.Kind)
        {
            case AggregateKind.CountStar:
                return new(typeof(long), s => Expression.Call(Method(nameof(SqlAggregates.CountStar)), s), Method(nameof(SqlAggregates.MergeCount)), CountResult);
            case AggregateKind.Count:
                return new(typeof(long), s => Expression.Call(Method(nameof(SqlAggregates.Count)).MakeGenericMethod(argument!.Type), s, argument),
                    Method(nameof(SqlAggregates.MergeCount)), CountResult);
            case AggregateKind.CountDistinct:
                var element = argument!.Type;
                return new(typeof(HashSet<>).MakeGenericType(element),
                    s => Expression.Call(Method(nameof(SqlAggregates.Distinct)).MakeGenericMethod(element), s, argument),
                    Method(nameof(SqlAggregates.MergeDistinct)).MakeGenericMethod(element),
                    s => Expression.Call(Method(nameof(SqlAggregates.DistinctResult)).MakeGenericMethod(element), s));
            case AggregateKind.Sum or AggregateKind.Avg:
                var sum = call.ArgumentType.Kind switch { SqlTypeKind.Double => typeof(double), SqlTypeKind.Decimal => typeof(decimal), _ => typeof(long) };
                var state = typeof(ValueTuple<,>).MakeGenericType(sum, typeof(long));
                var value = Expression.Convert(argument!, typeof(Nullable<>).MakeGenericType(sum));
                Func<Expression, Expression> result = call.Kind == AggregateKind.Sum
                    ? s => Expression.Call(Method(nameof(SqlAggregates.SumResult), state), s)
                    : sum == typeof(decimal)
                        ? s => Expression.Call(Method(nameof(SqlAggregates.AverageResult), state, typeof(int)), s, Expression.Constant(call.ResultType.Scale))
                        : s => Expression.Call(Method(nameof(SqlAggregates.AverageResult), state), s);
                return new(state, s => Expression.Call(Method(nameof(SqlAggregates.Sum), state, value.Type), s, value), Method(nameof(SqlAggregates.MergeSum), state, state), result);
            default:
                string name = call.Kind == AggregateKind.Min ? nameof(SqlAggregates.Min) : nameof(SqlAggregates.Max);
                var type = argument!.Type;
                var best = type == typeof(string)
                    ? Method(name, typeof(string), typeof(string))
                    : typeof(SqlAggregates).GetMethods().Single(m => m.Name == name && m.IsGenericMethodDefinition).MakeGenericMethod(Nullable.GetUnderlyingType(type)!);
                return new(type, s => Expression.Call(best, s, argument), best, s => s);
        }
    }

    private static Expression CountResult(Expression state) => Expression.Call(Method(nameof(SqlAggregates.CountResult)), state);

    private static MethodInfo Method(string name) => typeof(SqlAggregates).GetMethod(name)!;

    private static MethodInfo Method(string name, params Type[] parameters) =>
        typeof(SqlAggregates).GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters)
        ?? throw new InvalidOperationException($"SqlAggregates.{name}({string.Join(", ", parameters.Select(p => p.Name))}) is missing.");
}
