namespace Pipelines.Files;

/// <summary>
/// A column of a Parquet file: its name and .NET type — <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>,
/// <see cref="double"/>, <see cref="decimal"/>, <see cref="string"/>, <see cref="DateTimeOffset"/> (UTC) or
/// <see cref="DateOnly"/>. Every column may hold null.
/// </summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">The values' type (not nullable; nulls are always allowed).</param>
public sealed record ParquetColumn(string Name, Type Type)
{
    internal static readonly Type[] Supported = [typeof(bool), typeof(int), typeof(long), typeof(double), typeof(decimal), typeof(string), typeof(DateTimeOffset), typeof(DateOnly)];

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        if (Array.IndexOf(Supported, Type) < 0)
        {
            throw new ArgumentException($"Parquet column '{Name}' has type {Type.Name}; supported: {string.Join(", ", Supported.Select(t => t.Name))}.", nameof(Type));
        }
    }
}
