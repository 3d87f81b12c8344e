using System.Text;

namespace Pipelines.Kafka;

/// <summary>A Kafka record header: a key and a byte value (null when the header has no value).</summary>
/// <param name="Key">The header key.</param>
/// <param name="Value">The header value, or null.</param>
public sealed record KafkaHeader(string Key, byte[]? Value)
{
    /// <summary>Creates a header with a UTF-8 text value.</summary>
    /// <param name="key">The header key.</param>
    /// <param name="value">The text, stored as UTF-8; null for a header without a value.</param>
    public static KafkaHeader FromString(string key, string? value) => new(key, value is null ? null : Encoding.UTF8.GetBytes(value));

    /// <summary>The value read as UTF-8 text, or null.</summary>
    public string? GetString() => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <inheritdoc />
    public override string ToString() => $"{Key}={GetString()}";
}
