using System.Buffers;

namespace Pipelines.Kafka;

/// <summary>
/// The partition of a key on a repartition topic, computed the way the producer picks it: Kafka's murmur2 over the
/// key's serialized bytes, modulo the topic's partition count. What the stage after the exchange uses as its key
/// group, so its state splits exactly as the topic does.
/// </summary>
internal abstract class RepartitionKeys
{
    /// <summary>The key-to-partition function for keys of type <typeparamref name="TKey"/> (the partition count read at each call), or null for another key type.</summary>
    public abstract Func<TKey, int>? For<TKey>(Func<int> partitions);
}

/// <summary>The keys of one exchange, of type <typeparamref name="TKey"/>, written by <see cref="StateSerializer{T}"/>.</summary>
internal sealed class RepartitionKeys<TKey>(StateSerializer<TKey> keys) : RepartitionKeys
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public override Func<T, int>? For<T>(Func<int> partitions)
    {
        if (typeof(T) != typeof(TKey)) return null;
        Func<TKey, int> partitionOf = key =>
        {
            var buffer = t_buffer ??= new ArrayBufferWriter<byte>(64);
            buffer.ResetWrittenCount();
            keys.Serialize(key, buffer);
            return Murmur2.Partition(buffer.WrittenSpan, partitions());
        };
        return (Func<T, int>)(object)partitionOf;
    }
}
