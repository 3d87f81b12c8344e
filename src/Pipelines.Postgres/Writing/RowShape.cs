using System.Linq.Expressions;
using System.Reflection;

namespace Pipelines.Postgres.Writing;

/// <summary>
/// How a sink reads a table row out of an element: whether the element deletes its key, and the value of each column.
/// Members match columns by name ignoring case and underscores; a <see cref="PostgresRow"/> gives its values by column name.
/// </summary>
internal abstract class RowShape<T>
{
    /// <summary>True when the element deletes the row with its key (a change record's delete).</summary>
    public abstract bool IsDelete(T element);

    /// <summary>The row object the values come from (the element, or a change record's row).</summary>
    public abstract object? Row(T element);

    /// <summary>The row whose key the element moves away from (a change record's update with its old key), or null; the sink deletes that key when it differs from the new row's.</summary>
    public virtual object? OldKeyRow(T element) => null;

    /// <summary>Which of <paramref name="columns"/> the rows provide, and how to get each.</summary>
    public abstract Func<object, object?>?[] Getters(IReadOnlyList<string> columns);
}

/// <summary>Elements that are rows themselves.</summary>
internal sealed class RecordShape<T> : RowShape<T>
{
    public override bool IsDelete(T element) => false;

    public override object? Row(T element) => element;

    public override Func<object, object?>?[] Getters(IReadOnlyList<string> columns) => MemberGetters.For(typeof(T), columns);
}

/// <summary>Change records: inserts, updates and snapshot rows write <see cref="ChangeRecord{T}.After"/>, deletes remove the key of <see cref="ChangeRecord{T}.Before"/>, and an update that changed the key also removes its old key.</summary>
internal sealed class ChangeShape<TRow> : RowShape<ChangeRecord<TRow>>
{
    public override bool IsDelete(ChangeRecord<TRow> element) => element.Operation == ChangeOperation.Delete;

    public override object? Row(ChangeRecord<TRow> element) => element.Operation switch
    {
        ChangeOperation.Delete => (object?)element.Before ?? element.After,
        ChangeOperation.Truncate => throw new PostgresMappingException(element.Table, "(every row)", null,
            $"the table was truncated at {element.Lsn}; a truncate names no keys, so the sink cannot apply it, and it does not truncate its target itself. " +
            "Truncate the target yourself (and filter truncates out: Where(c => c.Operation != ChangeOperation.Truncate)), or choose an error policy that skips the record."),
        _ => element.After,
    };

    public override object? OldKeyRow(ChangeRecord<TRow> element) => element.Operation == ChangeOperation.Update ? element.Before : null;

    public override Func<object, object?>?[] Getters(IReadOnlyList<string> columns) => MemberGetters.For(typeof(TRow), columns);
}

/// <summary>Compiled getters of a type's public properties and fields, by column.</summary>
internal static class MemberGetters
{
    public static Func<object, object?>?[] For(Type type, IReadOnlyList<string> columns)
    {
        if (type == typeof(PostgresRow))
        {
            return [.. columns.Select(c => (Func<object, object?>)(row => ((PostgresRow)row).TryGetValue(c, out var v) ? v : Missing.Value))];
        }

        var members = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).Cast<MemberInfo>()
            .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            .ToArray();
        var getters = new Func<object, object?>?[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            string want = ColumnNames.Normalize(columns[i]);
            var member = members.FirstOrDefault(m => ColumnNames.Normalize(m.Name) == want);
            if (member is null) continue;
            var parameter = Expression.Parameter(typeof(object), "row");
            var access = Expression.MakeMemberAccess(Expression.Convert(parameter, type), member);
            getters[i] = Expression.Lambda<Func<object, object?>>(Expression.Convert(access, typeof(object)), parameter).Compile();
        }

        return getters;
    }
}
