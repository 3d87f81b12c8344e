using System.Reflection;

namespace Pipelines.Postgres;

/// <summary>
/// Maps a <see cref="PostgresRow"/> to <typeparamref name="T"/>: the public constructor with the most parameters,
/// then the settable properties it did not set, each matched to a column by name ignoring case and underscores
/// (<c>customer_id</c> fills <c>CustomerId</c>). A member without a column keeps its default.
/// </summary>
internal sealed class RowMapper<T>
{
    public static readonly RowMapper<T> Instance = new();

    private readonly ConstructorInfo? _constructor;
    private readonly (string Name, Type Type)[] _parameters;
    private readonly PropertyInfo[] _properties;

    /// <summary>The members' names, normalized (<see cref="ColumnNames.Normalize"/>); null when rows are taken whole.</summary>
    private readonly HashSet<string>? _members;
    private volatile Layout? _last;

    private RowMapper()
    {
        if (typeof(T).IsAssignableFrom(typeof(PostgresRow)))
        {
            _parameters = [];
            _properties = [];
            return;
        }

        _constructor = typeof(T).GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (_constructor is null && !typeof(T).IsValueType)
        {
            throw new ArgumentException($"{typeof(T).Name} has no public constructor, so rows cannot be mapped to it; map PostgresRow yourself.");
        }

        _parameters = _constructor?.GetParameters().Select(p => (p.Name ?? "", p.ParameterType)).ToArray() ?? [];
        var taken = new HashSet<string>(_parameters.Select(p => ColumnNames.Normalize(p.Name)));
        _properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && !taken.Contains(ColumnNames.Normalize(p.Name)))
            .ToArray();
        _members = [.. taken, .. _properties.Select(p => ColumnNames.Normalize(p.Name))];
    }

    /// <summary>
    /// Whether a column fills a member of <typeparamref name="T"/> — every column does when rows are taken whole.
    /// Sources read only these (and the key columns): a column nothing maps costs no decoding, and a value in it that
    /// Npgsql cannot read (a PostGIS geometry, a composite type without a mapping) no error.
    /// </summary>
    public bool Needs(string column) => _members is null || _members.Contains(ColumnNames.Normalize(column));

    public T Map(PostgresRow row, IReadOnlyList<string>? keyColumns)
    {
        if (row is T same)
        {
            ThrowIfUnreadable(row, keyColumns);
            return same;
        }

        var columns = row.ColumnArray;
        var values = row.ValueArray;
        var layout = LayoutFor(columns);
        var args = new object?[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            var type = _parameters[i].Type;
            int c = layout.Parameters[i];
            args[i] = c < 0 ? Default(type) : Convert(values[c], type, row, columns[c], keyColumns);
        }

        object instance;
        try
        {
            instance = _constructor is null ? Activator.CreateInstance(typeof(T))! : _constructor.Invoke(args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            // The user's constructor refused the values (a validation): the row is bad, named with its table and key.
            throw new PostgresMappingException(row.Table, row.KeyDescription(keyColumns), null, $"the constructor of {typeof(T).Name} threw {inner.GetType().Name}: {inner.Message}", inner);
        }

        for (int i = 0; i < _properties.Length; i++)
        {
            int c = layout.Properties[i];
            if (c < 0) continue;
            object? value = Convert(values[c], _properties[i].PropertyType, row, columns[c], keyColumns);
            try
            {
                _properties[i].SetValue(instance, value);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                throw new PostgresMappingException(row.Table, row.KeyDescription(keyColumns), columns[c], $"the setter of {typeof(T).Name}.{_properties[i].Name} threw {inner.GetType().Name}: {inner.Message}", inner);
            }
        }

        return (T)instance;
    }

    private static object? Convert(object? value, Type type, PostgresRow row, string column, IReadOnlyList<string>? keyColumns)
    {
        if (value is not null and not UnreadableValue && type.IsInstanceOfType(value)) return value;
        return ValueConversion.ToClr(value, type, row.Table, column, row.KeyDescription(keyColumns));
    }

    /// <summary>A row taken as it is needs every value: the first one Npgsql could not read makes it a bad row.</summary>
    private static void ThrowIfUnreadable(PostgresRow row, IReadOnlyList<string>? keyColumns)
    {
        var values = row.ValueArray;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is UnreadableValue unreadable)
            {
                throw new PostgresMappingException(row.Table, row.KeyDescription(keyColumns), row.ColumnArray[i], unreadable.Reason, unreadable.Error);
            }
        }
    }

    /// <summary>Which column fills each parameter and property; rows of one table share their column array, so the last layout is kept.</summary>
    private Layout LayoutFor(string[] columns)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.Columns, columns)) return last;
        var layout = new Layout(
            columns,
            [.. _parameters.Select(p => Find(columns, p.Name))],
            [.. _properties.Select(p => Find(columns, p.Name))]);
        _last = layout;
        return layout;
    }

    private sealed record Layout(string[] Columns, int[] Parameters, int[] Properties);

    private static object? Default(Type t) => t.IsValueType ? Activator.CreateInstance(t) : null;

    private static int Find(string[] columns, string member)
    {
        string want = ColumnNames.Normalize(member);
        for (int i = 0; i < columns.Length; i++)
        {
            if (ColumnNames.Normalize(columns[i]) == want) return i;
        }

        return -1;
    }
}
