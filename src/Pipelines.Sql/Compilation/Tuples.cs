using System.Linq.Expressions;

namespace Pipelines.Sql.Compilation;

/// <summary>
/// Value tuples of any width, for the grouping keys and accumulators of a query: the types are known only when
/// the query is planned, and a tuple of them is a struct with field equality, so neither keys nor accumulators
/// are objects of their own.
/// </summary>
internal static class Tuples
{
    private static readonly Type[] Definitions =
    [
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>),
        typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
    ];

    /// <summary>The tuple type of <paramref name="items"/> (the empty <see cref="ValueTuple"/> for none; nested past 7).</summary>
    public static Type Of(IReadOnlyList<Type> items) => items.Count switch
    {
        0 => typeof(ValueTuple),
        < 8 => Definitions[items.Count - 1].MakeGenericType([.. items]),
        _ => Definitions[7].MakeGenericType([.. items.Take(7), Of([.. items.Skip(7)])]),
    };

    /// <summary>A new tuple of <paramref name="items"/>.</summary>
    public static Expression New(IReadOnlyList<Expression> items)
    {
        if (items.Count == 0) return Expression.Default(typeof(ValueTuple));
        var type = Of([.. items.Select(i => i.Type)]);
        var arguments = items.Count < 8 ? items : [.. items.Take(7), New([.. items.Skip(7)])];
        return Expression.New(type.GetConstructor([.. arguments.Select(a => a.Type)])!, arguments);
    }

    /// <summary>Item <paramref name="index"/> (0-based) of <paramref name="tuple"/>, as a field that can also be assigned.</summary>
    public static Expression Item(Expression tuple, int index) =>
        index < 7 ? Expression.Field(tuple, $"Item{index + 1}") : Item(Expression.Field(tuple, "Rest"), index - 7);
}
