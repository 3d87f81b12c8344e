using System.Linq.Expressions;

namespace Pipelines.Sql.Compilation;

// Rows whose values are fields of the column types (int?, string, DateTimeOffset?, …): a query's projection
// makes one object per row and boxes nothing. Wider rows hold an array (the public Row constructor).

/// <summary>A row of 1 typed value.</summary>
internal sealed class TypedRow<T0> : Row
{
    public T0 F0 = default!;

    private protected override int FieldCount => 1;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 2 typed values.</summary>
internal sealed class TypedRow<T0, T1> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    private protected override int FieldCount => 2;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 3 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    private protected override int FieldCount => 3;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 4 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2, T3> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    public T3 F3 = default!;

    private protected override int FieldCount => 4;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        3 => F3,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 5 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2, T3, T4> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    public T3 F3 = default!;

    public T4 F4 = default!;

    private protected override int FieldCount => 5;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        3 => F3,
        4 => F4,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 6 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2, T3, T4, T5> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    public T3 F3 = default!;

    public T4 F4 = default!;

    public T5 F5 = default!;

    private protected override int FieldCount => 6;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        3 => F3,
        4 => F4,
        5 => F5,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 7 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2, T3, T4, T5, T6> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    public T3 F3 = default!;

    public T4 F4 = default!;

    public T5 F5 = default!;

    public T6 F6 = default!;

    private protected override int FieldCount => 7;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        3 => F3,
        4 => F4,
        5 => F5,
        6 => F6,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>A row of 8 typed values.</summary>
internal sealed class TypedRow<T0, T1, T2, T3, T4, T5, T6, T7> : Row
{
    public T0 F0 = default!;

    public T1 F1 = default!;

    public T2 F2 = default!;

    public T3 F3 = default!;

    public T4 F4 = default!;

    public T5 F5 = default!;

    public T6 F6 = default!;

    public T7 F7 = default!;

    private protected override int FieldCount => 8;

    private protected override object? GetField(int index) => index switch
    {
        0 => F0,
        1 => F1,
        2 => F2,
        3 => F3,
        4 => F4,
        5 => F5,
        6 => F6,
        7 => F7,
        _ => throw new IndexOutOfRangeException(),
    };
}

/// <summary>Builds the expression that makes a row from its column values.</summary>
internal static class TypedRows
{
    private static readonly Type[] Definitions =
    [
        typeof(TypedRow<>),
        typeof(TypedRow<,>),
        typeof(TypedRow<,,>),
        typeof(TypedRow<,,,>),
        typeof(TypedRow<,,,,>),
        typeof(TypedRow<,,,,,>),
        typeof(TypedRow<,,,,,,>),
        typeof(TypedRow<,,,,,,,>),
    ];

    /// <summary>A typed row of <paramref name="values"/> (each of its column's .NET type, nullable unless the value cannot be NULL), or an array row beyond 8 columns.</summary>
    public static Expression New(IReadOnlyList<Expression> values)
    {
        if (values.Count == 0 || values.Count > Definitions.Length)
        {
            var array = Expression.NewArrayInit(typeof(object), values.Select(v => v.Type == typeof(object) ? v : Expression.Convert(v, typeof(object))));
            return Expression.New(typeof(Row).GetConstructor([typeof(object[])])!, array);
        }
        var type = Definitions[values.Count - 1].MakeGenericType([.. values.Select(v => v.Type)]);
        var bindings = values.Select((v, i) => (MemberBinding)Expression.Bind(type.GetField($"F{i}")!, v));
        return Expression.Convert(Expression.MemberInit(Expression.New(type), bindings), typeof(Row));
    }
}
