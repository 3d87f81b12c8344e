using System.Globalization;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Planning;

/// <summary>The keys that <c>SET 'key' = 'value'</c> accepts, read into typed values.</summary>
internal sealed class SqlSettings
{
    public const string AllowedLateness = "table.exec.allowed-lateness";
    public const string EarlyFireDelay = "table.exec.emit.early-fire.delay";
    public const string Parallelism = "parallelism.default";
    public const string CheckpointInterval = "execution.checkpointing.interval";
    public const string RuntimeMode = "execution.runtime-mode";
    public const string LateRows = "table.exec.late-rows";

    private static readonly string[] Known = [AllowedLateness, EarlyFireDelay, Parallelism, CheckpointInterval, RuntimeMode, LateRows];

    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> Values => _values;

    public TimeSpan Lateness { get; private set; }

    public TimeSpan? EarlyFire { get; private set; }

    public int? ParallelismValue { get; private set; }

    public TimeSpan? Checkpointing { get; private set; }

    /// <summary>"batch", "streaming" or null (decided by whether every input is bounded).</summary>
    public string? Mode { get; private set; }

    /// <summary>
    /// The name under which the late rows of the next windowed GROUP BY become a table (<c>table.exec.late-rows</c>);
    /// taken (and cleared) by the statement that registers it.
    /// </summary>
    public string? LateRowsTable { get; set; }

    public void Set(string key, string value, Syntax.Position position)
    {
        string k = key.Trim().ToLowerInvariant();
        try
        {
            switch (k)
            {
                case AllowedLateness: Lateness = ParseDuration(value); break;
                case EarlyFireDelay: EarlyFire = ParseDuration(value) is { } d && d > TimeSpan.Zero ? d : null; break;
                case Parallelism:
                    ParallelismValue = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p > 0 ? p : throw new FormatException("a positive whole number");
                    break;
                case CheckpointInterval: Checkpointing = ParseDuration(value) is var interval && interval > TimeSpan.Zero ? interval : throw new FormatException("a positive duration such as '10 s'"); break;
                case LateRows:
                    LateRowsTable = System.Text.RegularExpressions.Regex.IsMatch(value.Trim(), "^[A-Za-z_][A-Za-z0-9_]*$") ? value.Trim() : throw new FormatException("a table name (letters, digits and _)");
                    break;
                case RuntimeMode:
                    Mode = value.Trim().ToLowerInvariant() is "batch" or "streaming" or "automatic" ? value.Trim().ToLowerInvariant() : throw new FormatException("'batch', 'streaming' or 'automatic'");
                    if (Mode == "automatic") Mode = null;
                    break;
                default:
                    throw SqlException.At(position, $"unknown setting '{key}'{Suggestions.DidYouMean(key, Known)} Settings: {string.Join(", ", Known)}.");
            }
        }
        catch (FormatException ex)
        {
            throw SqlException.At(position, $"'{value}' is not a valid value for '{key}': expected {ex.Message}.");
        }
        _values[k] = value;
    }

    /// <summary>"5 s", "5s", "500 ms", "500" (milliseconds, as in Flink), "1 min", "2 h", "1 d" or an ISO-8601 duration such as PT5S.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.StartsWith('P'))
        {
            try
            {
                return System.Xml.XmlConvert.ToTimeSpan(text);
            }
            catch (FormatException)
            {
                throw new FormatException("a duration such as '5 s', '1 min' or 'PT5S'");
            }
        }
        int split = 0;
        while (split < text.Length && (char.IsDigit(text[split]) || text[split] == '.')) split++;
        if (split == 0 || !double.TryParse(text[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount))
        {
            throw new FormatException("a duration such as '5 s', '1 min' or 'PT5S'");
        }
        try
        {
            return text[split..].Trim().ToLowerInvariant() switch
            {
                // A number without a unit is milliseconds, as Flink reads it ('5000' is five seconds).
                "" or "ms" or "milli" or "millis" or "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(amount),
                "s" or "sec" or "second" or "seconds" => TimeSpan.FromSeconds(amount),
                "min" or "minute" or "minutes" or "m" => TimeSpan.FromMinutes(amount),
                "h" or "hour" or "hours" => TimeSpan.FromHours(amount),
                "d" or "day" or "days" => TimeSpan.FromDays(amount),
                _ => throw new FormatException("a duration such as '5 s', '1 min' or 'PT5S'"),
            };
        }
        catch (OverflowException)
        {
            throw new FormatException($"a duration of at most {TimeSpan.MaxValue.Days:N0} days");
        }
    }
}
