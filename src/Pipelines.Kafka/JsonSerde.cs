using System.Text.Json;
using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Serializes and deserializes keys or values as UTF-8 JSON with <see cref="System.Text.Json"/>. A null value
/// becomes a record without bytes (a tombstone) and back: <c>default(T)</c>. Deserialization failures throw
/// <see cref="JsonException"/>, which the source's deserialization error policy then handles.
/// </summary>
/// <typeparam name="T">The type to read and write.</typeparam>
/// <param name="options">Serializer options; <see cref="JsonSerializerOptions.Web"/> (camelCase, case-insensitive) when null.</param>
public sealed class JsonSerde<T>(JsonSerializerOptions? options = null) : ISerializer<T>, IDeserializer<T>
{
    private readonly JsonSerializerOptions _options = options ?? JsonSerializerOptions.Web;

    /// <inheritdoc />
    public byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : JsonSerializer.SerializeToUtf8Bytes(data, _options);

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? default! : JsonSerializer.Deserialize<T>(data, _options)!;
}
