using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Pipelines.Sql.Types;

namespace Pipelines.Sql.Compilation;

/// <summary>
/// The operations that compiled expressions call: SQL's three-valued logic, NULL-propagating string and math
/// functions, casts. Every method takes and returns nullable values; NULL in gives NULL out unless SQL says otherwise.
/// </summary>
internal static class SqlRuntime
{
    public static bool IsTrue(bool? value) => value == true;

    public static bool? And(bool? a, bool? b) => a == false || b == false ? false : a is null || b is null ? null : true;

    public static bool? Or(bool? a, bool? b) => a == true || b == true ? true : a is null || b is null ? null : false;

    public static bool? Not(bool? a) => a is null ? null : !a.Value;

    public static int? CompareStrings(string? a, string? b) => a is null || b is null ? null : string.CompareOrdinal(a, b);

    public static string? Concat(string? a, string? b) => a is null || b is null ? null : string.Concat(a, b);

    public static string? ConcatAll(string?[] parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            if (part is null) return null;
            text.Append(part);
        }
        return text.ToString();
    }

    public static DateTimeOffset? AddInterval(DateTimeOffset? t, TimeSpan? interval) => t is null || interval is null ? null : t.Value + interval.Value;

    public static DateTimeOffset? SubtractInterval(DateTimeOffset? t, TimeSpan? interval) => t is null || interval is null ? null : t.Value - interval.Value;

    public static bool? Like(string? value, Regex? pattern) => value is null || pattern is null ? null : pattern.IsMatch(value);

    public static bool? LikeDynamic(string? value, string? pattern) => value is null || pattern is null ? null : LastLike.For(pattern).IsMatch(value);

    /// <summary>The regex of the last pattern a row gave a LIKE (rows mostly repeat it), so it is not compiled per row.</summary>
    private sealed class LastLike(string pattern, Regex regex)
    {
        [ThreadStatic]
        private static LastLike? t_last;

        public static Regex For(string pattern)
        {
            var last = t_last;
            if (last is null || !string.Equals(last.Pattern, pattern, StringComparison.Ordinal)) t_last = last = new LastLike(pattern, LikeRegex(pattern));
            return last.Regex;
        }

        private string Pattern { get; } = pattern;

        private Regex Regex { get; } = regex;
    }

    /// <summary>SQL LIKE: % any run of characters, _ one character, \ escapes.</summary>
    public static Regex LikeRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) regex.Append(Regex.Escape(pattern[++i].ToString()));
            else if (c == '%') regex.Append(".*");
            else if (c == '_') regex.Append('.');
            else regex.Append(Regex.Escape(c.ToString()));
        }
        // \z, not $: $ also matches before a final newline, so 'disk error\n' LIKE '%error' would hold.
        return new Regex(regex.Append("\\z").ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    // Integer division and remainder: NULL for a zero divisor rather than a failed run (as DuckDB does).
    public static int? Divide(int? a, int? b) => a is null || b is null || b == 0 ? null : a / b;

    public static long? Divide(long? a, long? b) => a is null || b is null || b == 0 ? null : a / b;

    public static decimal? Divide(decimal? a, decimal? b) => a is null || b is null || b == 0 ? null : a / b;

    public static double? Divide(double? a, double? b) => a is null || b is null ? null : a / b;

    public static int? Modulo(int? a, int? b) => a is null || b is null || b == 0 ? null : a % b;

    public static long? Modulo(long? a, long? b) => a is null || b is null || b == 0 ? null : a % b;

    public static decimal? Modulo(decimal? a, decimal? b) => a is null || b is null || b == 0 ? null : a % b;

    public static double? Modulo(double? a, double? b) => a is null || b is null ? null : a % b;

    // Strings.
    public static string? Upper(string? s) => s?.ToUpperInvariant();

    public static string? Lower(string? s) => s?.ToLowerInvariant();

    /// <summary>TRIM(s): leading and trailing spaces (U+0020) only, as Flink trims; tabs and line ends stay.</summary>
    public static string? Trim(string? s) => s?.Trim(' ');

    public static int? CharLength(string? s) => s?.Length;

    /// <summary>
    /// SUBSTRING(s, start), as Flink: from the 1-based <paramref name="start"/> to the end; a negative start counts
    /// from the end (-2: the last two characters), 0 is 1.
    /// </summary>
    public static string? Substring(string? s, int? start) => s is null || start is null ? null : Substring(s, start.Value, int.MaxValue);

    /// <summary>SUBSTRING(s, start, length), as Flink; NULL when any argument is NULL or the length is negative.</summary>
    public static string? Substring(string? s, int? start, int? length)
    {
        if (s is null || start is null || length is null || length < 0) return null;
        return Substring(s, start.Value, length.Value);
    }

    private static string Substring(string s, int start, int length)
    {
        long from = start > 0 ? start - 1L : start == 0 ? 0 : s.Length + (long)start;
        if (from < 0 || from >= s.Length) return string.Empty;
        long end = Math.Min(s.Length, from + length);
        return s[(int)from..(int)end];
    }

    public static string? Replace(string? s, string? search, string? replacement) =>
        s is null || search is null || replacement is null ? null : search.Length == 0 ? s : s.Replace(search, replacement, StringComparison.Ordinal);

    public static int? Position(string? search, string? s) => search is null || s is null ? null : s.IndexOf(search, StringComparison.Ordinal) + 1;

    // Math.
    public static int? Abs(int? x) => x is null ? null : Math.Abs(x.Value);

    public static long? Abs(long? x) => x is null ? null : Math.Abs(x.Value);

    public static double? Abs(double? x) => x is null ? null : Math.Abs(x.Value);

    public static decimal? Abs(decimal? x) => x is null ? null : Math.Abs(x.Value);

    /// <summary>ROUND(x, d), half away from zero; a negative <paramref name="digits"/> rounds to tens, hundreds, ….</summary>
    public static double? Round(double? x, int? digits)
    {
        if (x is null || digits is null) return null;
        int d = digits.Value;
        if (d > 15) return x;
        if (d >= 0) return Math.Round(x.Value, d, MidpointRounding.AwayFromZero);
        double unit = Math.Pow(10, -d);
        return Math.Round(x.Value / unit, MidpointRounding.AwayFromZero) * unit;
    }

    /// <summary>ROUND(x, d), half away from zero; a negative <paramref name="digits"/> rounds to tens, hundreds, ….</summary>
    public static decimal? Round(decimal? x, int? digits)
    {
        if (x is null || digits is null) return null;
        int d = digits.Value;
        if (d > 28) return x;
        if (d >= 0) return Math.Round(x.Value, d, MidpointRounding.AwayFromZero);
        if (d < -28) return 0m;
        decimal unit = Pow10(-d);
        return Math.Round(x.Value / unit, MidpointRounding.AwayFromZero) * unit;
    }

    /// <summary>ROUND of a whole number: itself, or rounded to tens, hundreds, … for negative digits (overflow raises).</summary>
    public static int? Round(int? x, int? digits) => x is null || digits is null ? null : digits >= 0 ? x : checked((int)Round((decimal)x.Value, digits)!.Value);

    /// <inheritdoc cref="Round(int?, int?)"/>
    public static long? Round(long? x, int? digits) => x is null || digits is null ? null : digits >= 0 ? x : checked((long)Round((decimal)x.Value, digits)!.Value);

    private static decimal Pow10(int n)
    {
        decimal p = 1m;
        for (int i = 0; i < n; i++) p *= 10m;
        return p;
    }

    /// <summary>A DECIMAL rounded to <paramref name="scale"/> places, half away from zero (CAST, INSERT, division).</summary>
    public static decimal? RoundDecimal(decimal? x, int scale) => x is null ? null : Math.Round(x.Value, scale, MidpointRounding.AwayFromZero);

    /// <summary>
    /// A DECIMAL written to a column, or cast to a type, that holds <paramref name="digits"/> digits before the point
    /// (DECIMAL(p, s): p − s): one with more is an error naming <paramref name="holder"/> (<c>column 'total'</c>,
    /// <c>CAST(x AS DECIMAL(5, 2))</c>), not a number the type cannot hold.
    /// </summary>
    public static decimal? FitDecimal(decimal? x, int digits, string holder)
    {
        if (x is not { } value || digits >= 29) return x;
        decimal limit = 1m;
        for (int i = 0; i < digits; i++) limit *= 10;
        if (Math.Abs(value) >= limit)
        {
            throw new OverflowException($"{value.ToString(CultureInfo.InvariantCulture)} has more than {digits} digit{(digits == 1 ? "" : "s")} before the point, which {holder} holds.");
        }

        return value;
    }

    /// <summary>A DECIMAL as text with its type's <paramref name="scale"/> decimal places.</summary>
    public static string? DecimalToString(decimal? x, int scale) => x?.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static double? Floor(double? x) => x is null ? null : Math.Floor(x.Value);

    public static decimal? Floor(decimal? x) => x is null ? null : Math.Floor(x.Value);

    public static double? Ceil(double? x) => x is null ? null : Math.Ceiling(x.Value);

    public static decimal? Ceil(decimal? x) => x is null ? null : Math.Ceiling(x.Value);

    public static double? Power(double? x, double? y) => x is null || y is null ? null : Math.Pow(x.Value, y.Value);

    public static double? Sqrt(double? x) => x is null ? null : Math.Sqrt(x.Value);

    public static double? Ln(double? x) => x is null ? null : Math.Log(x.Value);

    public static double? Exp(double? x) => x is null ? null : Math.Exp(x.Value);

    // Time.
    public static long? Year(DateTimeOffset? t) => t?.UtcDateTime.Year;

    public static long? Month(DateTimeOffset? t) => t?.UtcDateTime.Month;

    public static long? DayOfMonth(DateTimeOffset? t) => t?.UtcDateTime.Day;

    public static long? Hour(DateTimeOffset? t) => t?.UtcDateTime.Hour;

    public static long? Minute(DateTimeOffset? t) => t?.UtcDateTime.Minute;

    public static long? Second(DateTimeOffset? t) => t?.UtcDateTime.Second;

    public static DateOnly? ToDate(DateTimeOffset? t) => t is null ? null : DateOnly.FromDateTime(t.Value.UtcDateTime);

    public static string? DateFormat(DateTimeOffset? t, string? format) =>
        t is null || format is null ? null : t.Value.UtcDateTime.ToString(JavaFormat(format), CultureInfo.InvariantCulture);

    /// <summary>Java's SimpleDateFormat letters, the ones Flink's DATE_FORMAT documents, as .NET's.</summary>
    private static string JavaFormat(string format) => format.Replace("SSS", "fff", StringComparison.Ordinal).Replace("a", "tt", StringComparison.Ordinal);

    public static DateTimeOffset? ToTimestamp(string? text) => text is null ? null : SqlValues.ParseTimestamp(text);

    // Casts, from any value (boxed) to a target.
    public static bool? CastToBoolean(object? v) => v switch
    {
        null => null,
        bool b => b,
        string s => (bool?)SqlValues.Parse(s, SqlType.Boolean),
        _ => Convert.ToDouble(v, CultureInfo.InvariantCulture) != 0,
    };

    public static int? CastToInt(object? v) => v switch
    {
        null => null,
        string s => (int?)SqlValues.Parse(s, SqlType.Int),
        bool b => b ? 1 : 0,
        double d => checked((int)Math.Truncate(d)),
        decimal m => (int)Math.Truncate(m),
        _ => Convert.ToInt32(v, CultureInfo.InvariantCulture),
    };

    public static long? CastToBigInt(object? v) => v switch
    {
        null => null,
        string s => (long?)SqlValues.Parse(s, SqlType.BigInt),
        bool b => b ? 1 : 0,
        double d => checked((long)Math.Truncate(d)),
        decimal m => (long)Math.Truncate(m),
        DateTimeOffset t => t.ToUnixTimeMilliseconds(),
        _ => Convert.ToInt64(v, CultureInfo.InvariantCulture),
    };

    public static double? CastToDouble(object? v) => v switch
    {
        null => null,
        string s => (double?)SqlValues.Parse(s, SqlType.Double),
        bool b => b ? 1 : 0,
        _ => Convert.ToDouble(v, CultureInfo.InvariantCulture),
    };

    public static decimal? CastToDecimal(object? v, int scale) => v switch
    {
        null => null,
        string s => (decimal?)SqlValues.Parse(s, SqlType.Decimal(28, scale)),
        bool b => b ? 1 : 0,
        _ => Math.Round(Convert.ToDecimal(v, CultureInfo.InvariantCulture), scale, MidpointRounding.AwayFromZero),
    };

    public static string? CastToString(object? v) => v switch
    {
        null => null,
        string s => s,
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        _ => SqlValues.Format(v),
    };

    public static DateTimeOffset? CastToTimestamp(object? v) => v switch
    {
        null => null,
        DateTimeOffset t => t,
        DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        string s => (DateTimeOffset?)SqlValues.Parse(s, SqlType.Timestamp),
        long ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
        int ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
        _ => throw new InvalidCastException($"cannot cast {v.GetType().Name} to TIMESTAMP"),
    };

    public static DateOnly? CastToDate(object? v) => v switch
    {
        null => null,
        DateOnly d => d,
        DateTimeOffset t => DateOnly.FromDateTime(t.UtcDateTime),
        string s => (DateOnly?)SqlValues.Parse(s, SqlType.Date),
        _ => throw new InvalidCastException($"cannot cast {v.GetType().Name} to DATE"),
    };
}
