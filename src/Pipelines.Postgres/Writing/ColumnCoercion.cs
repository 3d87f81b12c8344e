namespace Pipelines.Postgres.Writing;

/// <summary>
/// Turns a .NET value into what Npgsql writes for a column's type, widening numbers and narrowing them when they
/// fit, and refusing the rest with a reason — so a value that does not fit is found before it reaches the server,
/// where it would fail the whole batch.
/// </summary>
internal static class ColumnCoercion
{
    /// <summary>The value to write, or throws <see cref="InvalidCastException"/> saying why it does not fit.</summary>
    public static object Coerce(object value, TableColumn column)
    {
        // A row a source could not read in full (a dead letter sent on to a sink): the value is not there to write.
        if (value is UnreadableValue unreadable) throw new InvalidCastException($"the value was never read: {unreadable.Reason}", unreadable.Error);
        if (column.Enum is { } labels) return labels.LabelOf(value) ?? throw Mismatch(value, column);
        switch (column.TypeName)
        {
            case "int2": return Integer(value, column, short.MinValue, short.MaxValue, v => (short)v);
            case "int4": return Integer(value, column, int.MinValue, int.MaxValue, v => (int)v);
            case "int8": return Integer(value, column, long.MinValue, long.MaxValue, v => v);
            case "float8":
                return value switch
                {
                    double => value,
                    float f => (double)f,
                    int or long or short or byte or decimal => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
                    _ => throw Mismatch(value, column),
                };
            case "float4":
                return value switch
                {
                    float => value,
                    int or short or byte => Convert.ToSingle(value, System.Globalization.CultureInfo.InvariantCulture),
                    _ => throw Mismatch(value, column),
                };
            case "numeric":
                return value switch
                {
                    decimal => value,
                    int or long or short or byte => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture),
                    double d when double.IsFinite(d) => (decimal)d,
                    float f when float.IsFinite(f) => (decimal)f,
                    _ => throw Mismatch(value, column),
                };
            case "text" or "varchar" or "bpchar" or "name" or "citext":
                {
                    string s = value switch { string str => str, char c => c.ToString(), _ => throw Mismatch(value, column) };
                    if (column.MaxLength >= 0 && s.Length > column.MaxLength && Characters(s) > column.MaxLength)
                    {
                        throw new InvalidCastException($"the text is {Characters(s)} characters long but the column takes at most {column.MaxLength}.");
                    }

                    return s;
                }

            case "bool": return value is bool ? value : throw Mismatch(value, column);
            case "uuid": return value is Guid ? value : throw Mismatch(value, column);
            case "bytea": return value is byte[] ? value : throw Mismatch(value, column);
            case "json" or "jsonb": return value is string ? value : throw Mismatch(value, column);
            case "date":
                return value switch
                {
                    DateOnly => value,
                    DateTime dt => DateOnly.FromDateTime(dt),
                    _ => throw Mismatch(value, column),
                };
            case "timestamptz":
                return value switch
                {
                    DateTimeOffset dto => dto.UtcDateTime,
                    DateTime { Kind: DateTimeKind.Utc } => value,
                    DateTime { Kind: DateTimeKind.Local } dt => dt.ToUniversalTime(),
                    DateTime => throw new InvalidCastException("the DateTime has Kind Unspecified, and a timestamptz column needs to know the offset: use a DateTimeOffset or a UTC DateTime."),
                    _ => throw Mismatch(value, column),
                };
            case "timestamp":
                // A timestamp without time zone holds UTC wall-clock time: the readers take it as UTC, so an instant
                // written from another offset (or a local DateTime) is stored as its UTC time and reads back the same.
                return value switch
                {
                    DateTime { Kind: DateTimeKind.Utc } dt => DateTime.SpecifyKind(dt, DateTimeKind.Unspecified),
                    DateTime { Kind: DateTimeKind.Local } dt => DateTime.SpecifyKind(dt.ToUniversalTime(), DateTimeKind.Unspecified),
                    DateTime => value,
                    DateTimeOffset dto => DateTime.SpecifyKind(dto.UtcDateTime, DateTimeKind.Unspecified),
                    _ => throw Mismatch(value, column),
                };
            default:
                return value;
        }
    }

    private static object Integer(object value, TableColumn column, long min, long max, Func<long, object> box)
    {
        long v = value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            sbyte sb => sb,
            ushort us => us,
            uint ui => ui,
            ulong ul when ul <= long.MaxValue => (long)ul,
            _ => throw Mismatch(value, column),
        };
        if (v < min || v > max) throw new InvalidCastException($"the value {v} is out of the range of {column.TypeName} ({min} to {max}).");
        return box(v);
    }

    private static InvalidCastException Mismatch(object value, TableColumn column) =>
        new($"the value is {value.GetType().Name} ({ValueConversion.Describe(value)}) but the column is {column.TypeName}.");

    /// <summary>
    /// The length PostgreSQL checks against varchar(n) and char(n): characters (code points), not UTF-16 units, so
    /// an emoji is one; trailing spaces past the length do not count (the server cuts them to fit).
    /// </summary>
    private static int Characters(string s)
    {
        var text = s.AsSpan().TrimEnd(' ');
        int count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }
}
