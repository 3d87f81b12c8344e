using System.Linq.Expressions;
using System.Reflection;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Connectors;

/// <summary>The columns of a .NET type registered as a table: one per public readable property of a SQL type, and how to read each as its column's value.</summary>
internal static class ClrColumns
{
    /// <summary>
    /// The schema of <typeparamref name="T"/> and, per column, an expression that reads the property of an element
    /// as the column's nullable .NET value.
    /// </summary>
    /// <param name="parameterName">The parameter the error names when the type has no column.</param>
    public static (SqlSchema Schema, Func<Expression, Expression>[] Read) Of<T>(string parameterName)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => (Property: p, Type: SqlType.FromClr(p.PropertyType)))
            .Where(p => p.Type is not null)
            .ToList();
        if (properties.Count == 0)
        {
            throw new ArgumentException($"{typeof(T).Name} has no public property of a SQL type (bool, int, long, double, decimal, string, enum, DateTime, DateTimeOffset, DateOnly): a table needs at least one column.", parameterName);
        }
        var schema = new SqlSchema(properties.Select(p => new SqlColumn(p.Property.Name, p.Type!)).ToList());
        return (schema, properties.Select(p => Reader(p.Property, p.Type!)).ToArray());
    }

    /// <summary>
    /// Reads a property as its column's value: the types a column holds as they are (widened to nullable), the rest
    /// (DateTimeOffset made UTC, DateTime, enums, short, float) converted.
    /// </summary>
    private static Func<Expression, Expression> Reader(PropertyInfo property, SqlType column)
    {
        var type = property.PropertyType;
        var target = column.NullableClrType;
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        if (plain == column.ClrType && plain != typeof(DateTimeOffset))
        {
            return element => type == target ? Expression.Property(element, property) : Expression.Convert(Expression.Property(element, property), target);
        }
        if (plain == typeof(DateTimeOffset))
        {
            var utc = typeof(SqlValues).GetMethod(nameof(SqlValues.Utc))!;
            return element => Expression.Call(utc, Expression.Convert(Expression.Property(element, property), typeof(DateTimeOffset?)));
        }
        var fromClr = typeof(SqlValues).GetMethod(nameof(SqlValues.FromClr))!;
        return element => Expression.Convert(Expression.Call(fromClr, Expression.Convert(Expression.Property(element, property), typeof(object))), target);
    }
}
