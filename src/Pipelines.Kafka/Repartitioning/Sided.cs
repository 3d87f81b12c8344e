using System.Buffers;

namespace Pipelines.Kafka;

/// <summary>An element of one of the two streams a co-partitioned <c>Repartition</c> carries through one topic.</summary>
/// <typeparam name="TLeft">The first stream's element type.</typeparam>
/// <typeparam name="TRight">The second stream's element type.</typeparam>
internal readonly record struct Sided<TLeft, TRight>(bool IsLeft, TLeft? Left, TRight? Right)
{
    public static Sided<TLeft, TRight> OfLeft(TLeft value) => new(true, value, default);

    public static Sided<TLeft, TRight> OfRight(TRight value) => new(false, default, value);

    public override string ToString() => IsLeft ? $"left: {Left}" : $"right: {Right}";
}

/// <summary>Writes a <see cref="Sided{TLeft, TRight}"/> as a byte saying which stream, then the element as that stream's serializer writes it.</summary>
internal sealed class SidedSerializer<TLeft, TRight>(StateSerializer<TLeft> left, StateSerializer<TRight> right) : StateSerializer<Sided<TLeft, TRight>>
{
    private const byte LeftTag = 0;
    private const byte RightTag = 1;

    public override void Serialize(Sided<TLeft, TRight> value, IBufferWriter<byte> output)
    {
        output.GetSpan(1)[0] = value.IsLeft ? LeftTag : RightTag;
        output.Advance(1);
        if (value.IsLeft) left.Serialize(value.Left!, output);
        else right.Serialize(value.Right!, output);
    }

    public override Sided<TLeft, TRight> Deserialize(ReadOnlySpan<byte> data) => data.IsEmpty
        ? throw new InvalidDataException("A record of a co-partitioned repartition topic is empty: it was not written by Repartition(left, right, ...).")
        : data[0] switch
        {
            LeftTag => Sided<TLeft, TRight>.OfLeft(left.Deserialize(data[1..])),
            RightTag => Sided<TLeft, TRight>.OfRight(right.Deserialize(data[1..])),
            _ => throw new InvalidDataException($"A record of a co-partitioned repartition topic starts with {data[0]}, which names neither stream: it was not written by Repartition(left, right, ...)."),
        };
}
