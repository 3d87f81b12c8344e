namespace Pipelines.Postgres;

/// <summary>How member names match column names: ignoring case and underscores.</summary>
internal static class ColumnNames
{
    public static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
