using System.Globalization;

namespace Pipelines.Postgres;

/// <summary>Converts values between what Npgsql reads and writes and the members of users' types, refusing what would lose information.</summary>
internal static class ValueConversion
{
    /// <summary>A database value as <paramref name="target"/>; throws <see cref="PostgresMappingException"/> when it does not fit.</summary>
    public static object? ToClr(object? value, Type target, string table, string column, string key)
    {
        if (value is UnreadableValue unreadable) throw new PostgresMappingException(table, key, column, unreadable.Reason, unreadable.Error);
        var underlying = Nullable.GetUnderlyingType(target);
        if (value is null or DBNull)
        {
            if (target.IsValueType && underlying is null)
            {
                throw new PostgresMappingException(table, key, column, $"the value is NULL but the member is {target.Name}, which cannot hold null; make it {target.Name}? or fill the column.");
            }

            return null;
        }

        var type = underlying ?? target;
        if (type.IsInstanceOfType(value)) return value;
        try
        {
            switch (value)
            {
                case DateTime dt when type == typeof(DateTimeOffset):
                    return new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime());
                case DateTime dt when type == typeof(DateOnly):
                    return DateOnly.FromDateTime(dt);
                case DateOnly d when type == typeof(DateTime):
                    return d.ToDateTime(TimeOnly.MinValue);
                case string label when type.IsEnum:
                    return EnumLabels.ToMember(label, type, out string? reason) ?? throw new PostgresMappingException(table, key, column, reason!);
                case IConvertible when IsNumber(value.GetType()) && IsNumber(type):
                    {
                        // Convert.ChangeType rounds (19.99 to 20, a double to the nearest float): only a value that comes back unchanged fits.
                        object converted = Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
                        if (!Equals(Convert.ChangeType(converted, value.GetType(), CultureInfo.InvariantCulture), value))
                        {
                            throw new PostgresMappingException(table, key, column, $"the value {Describe(value)} in column '{column}' does not fit in {type.Name} without rounding; make the member {value.GetType().Name}.");
                        }

                        return converted;
                    }
            }
        }
        catch (OverflowException ex)
        {
            throw new PostgresMappingException(table, key, column, $"the value {Describe(value)} does not fit in {type.Name}.", ex);
        }

        throw new PostgresMappingException(table, key, column, $"the value is {value.GetType().Name} ({Describe(value)}) but the member is {type.Name}.");
    }

    public static bool IsNumber(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(decimal)
        || t == typeof(double) || t == typeof(float) || t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort) || t == typeof(sbyte);

    public static string Describe(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => "'" + (s.Length > 40 ? s[..40] + "…" : s) + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
