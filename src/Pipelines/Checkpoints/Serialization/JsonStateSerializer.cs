using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>State as UTF-8 JSON through a System.Text.Json contract.</summary>
internal sealed class JsonStateSerializer<T>(JsonTypeInfo<T> typeInfo) : StateSerializer<T>
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public JsonTypeInfo<T> TypeInfo => typeInfo;

    public override void Serialize(T value, IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is null) t_writer = writer = new Utf8JsonWriter(output);
        else writer.Reset(output);
        try
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);
        }
    }

    public override T Deserialize(ReadOnlySpan<byte> data) => JsonSerializer.Deserialize(data, typeInfo)!;
}
