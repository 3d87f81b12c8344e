namespace Pipelines.Kafka;

/// <summary>
/// Kafka's <c>murmur2</c> partitioner (the Java clients' default for keyed records, and librdkafka's
/// <c>murmur2</c>): the partition of a serialized key, so a stage knows which repartition partition — and so which
/// key group — a key belongs to without asking the producer.
/// </summary>
internal static class Murmur2
{
    /// <summary>The partition (of <paramref name="partitions"/>) Kafka's murmur2 partitioner gives <paramref name="key"/>.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitions) => (int)((Hash(key) & 0x7fffffff) % (uint)partitions);

    /// <summary>Murmur2 with Kafka's seed, as <c>org.apache.kafka.common.utils.Utils.murmur2</c> computes it.</summary>
    public static uint Hash(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        int length = data.Length;
        uint h = 0x9747b28c ^ (uint)length;
        int whole = length / 4;
        for (int i = 0; i < whole; i++)
        {
            int i4 = i * 4;
            uint k = data[i4] | ((uint)data[i4 + 1] << 8) | ((uint)data[i4 + 2] << 16) | ((uint)data[i4 + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        int tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return h;
    }
}
