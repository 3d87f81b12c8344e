using System.Buffers;

namespace Pipelines;

/// <summary>
/// Turns one type of operator state — a key, an accumulator, an element a window or join holds, a value of a
/// process function's state — into bytes for a checkpoint and back. Without one, state goes through
/// System.Text.Json (<see cref="StateSerializers.Json{T}(System.Text.Json.JsonSerializerOptions?)"/>); register your own
/// with <see cref="PipelineBuilder.WithStateSerializer{T}(StateSerializer{T})"/> for types JSON cannot round-trip, for
/// a smaller or faster format, or for native AOT (a source-generated <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/>).
/// </summary>
/// <typeparam name="T">The state type.</typeparam>
/// <remarks>
/// <see cref="Deserialize"/> must return a value equal to the one serialized, and equal keys must serialize to
/// equal bytes (a key's bytes decide its key group unless it is a number, string, <see cref="Guid"/> or time). A
/// serializer may be called from several workers at once, so it must not keep per-call state in fields.
/// </remarks>
public abstract class StateSerializer<T>
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="output">Where the bytes go.</param>
    public abstract void Serialize(T value, IBufferWriter<byte> output);

    /// <summary>Reads a value from exactly the bytes <see cref="Serialize"/> wrote.</summary>
    /// <param name="data">The bytes.</param>
    public abstract T Deserialize(ReadOnlySpan<byte> data);
}
