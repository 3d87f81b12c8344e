using System.Globalization;

namespace Pipelines.Sql.Types;

/// <summary>Text forms of values: how literals and file fields are read, and how results are written.</summary>
internal static class SqlValues
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.f", "yyyy-MM-dd HH:mm:ss.ff", "yyyy-MM-dd HH:mm:ss.fff",
        "yyyy-MM-dd HH:mm:ss.ffff", "yyyy-MM-dd HH:mm:ss.fffff", "yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fffffff",
        "yyyy-MM-dd HH:mm",
    ];

    /// <summary>
    /// Reads <c>yyyy-MM-dd HH:mm:ss[.fff]</c> or ISO-8601 (with <c>T</c>, an optional zone or <c>Z</c>); without a
    /// zone the time is UTC. Returns null when the text is neither.
    /// </summary>
    public static DateTimeOffset? ParseTimestamp(string text)
    {
        text = text.Trim();
        const DateTimeStyles utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture, utc, out var plain)) return plain;
        if (text.Length >= 10 && text[4] == '-' && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, utc, out var iso)) return iso.ToUniversalTime();
        return null;
    }

    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>Reads a file field as <paramref name="type"/>; an empty field of a non-string type is NULL.</summary>
    /// <exception cref="FormatException">The text is not a value of the type.</exception>
    public static object? Parse(string? text, SqlType type)
    {
        if (text is null) return null;
        if (type.Kind == SqlTypeKind.String) return text;
        text = text.Trim();
        if (text.Length == 0) return null;
        var inv = CultureInfo.InvariantCulture;
        return type.Kind switch
        {
            SqlTypeKind.Boolean => text.ToUpperInvariant() switch
            {
                "TRUE" or "T" or "1" or "YES" => true,
                "FALSE" or "F" or "0" or "NO" => false,
                _ => throw new FormatException($"'{text}' is not a BOOLEAN (true or false)"),
            },
            SqlTypeKind.Int => int.TryParse(text, NumberStyles.Integer, inv, out int i) ? i : throw new FormatException($"'{text}' is not an INT"),
            SqlTypeKind.BigInt => long.TryParse(text, NumberStyles.Integer, inv, out long l) ? l : throw new FormatException($"'{text}' is not a BIGINT"),
            SqlTypeKind.Double => double.TryParse(text, NumberStyles.Float, inv, out double d) ? d : throw new FormatException($"'{text}' is not a DOUBLE"),
            SqlTypeKind.Decimal => decimal.TryParse(text, NumberStyles.Float, inv, out decimal m)
                ? Math.Round(m, type.Scale, MidpointRounding.AwayFromZero)
                : throw new FormatException($"'{text}' is not a {type}"),
            SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz => ParseTimestamp(text)
                ?? throw new FormatException($"'{text}' is not a {type}: write yyyy-MM-dd HH:mm:ss[.fff] or ISO-8601"),
            SqlTypeKind.Date => ParseDate(text) ?? throw new FormatException($"'{text}' is not a DATE (yyyy-MM-dd)"),
            _ => throw new FormatException($"a column of type {type} cannot be read from text"),
        };
    }

    /// <summary>The text of a value in results: invariant numbers, ISO-8601 UTC timestamps, NULL as "NULL".</summary>
    public static string Format(object? value) => value switch
    {
        null => "NULL",
        DateTimeOffset t => FormatTimestamp(t),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString("0.############################", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    public static string FormatTimestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A registered stream's DateTimeOffset as a TIMESTAMP value: in UTC.</summary>
    public static DateTimeOffset? Utc(DateTimeOffset? value) => value is { } t && t.Offset != TimeSpan.Zero ? t.ToUniversalTime() : value;

    /// <summary>Converts a value of a registered .NET type to the column's value (enums become their names, DateTime UTC).</summary>
    public static object? FromClr(object? value) => value switch
    {
        null => null,
        DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()),
        DateTimeOffset dto => dto.Offset == TimeSpan.Zero ? value : dto.ToUniversalTime(),
        short s => (int)s,
        byte b => (int)b,
        float f => (double)f,
        Enum e => e.ToString(),
        _ => value,
    };
}
