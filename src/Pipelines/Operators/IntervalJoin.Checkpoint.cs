using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>How checkpoints write an interval join's per-key buffers.</summary>
internal sealed partial class IntervalJoin<TLeft, TRight, TKey, TOut>
{
    /// <summary>A key's buffers: each side's elements (time, value, matched) and the pending cleanup time.</summary>
    private sealed class BuffersCodec(StateCodec<TLeft> left, StateCodec<TRight> right) : StateCodec<Buffers>
    {
        public override void Write(SnapshotOutput output, Buffers value)
        {
            WriteSide(output, value.Left, left);
            WriteSide(output, value.Right, right);
            output.WriteInt64(value.NextCleanup);
        }

        public override Buffers Read(SnapshotInput input)
        {
            var buffers = new Buffers();
            ReadSide(input, buffers.Left, left);
            ReadSide(input, buffers.Right, right);
            buffers.NextCleanup = input.ReadInt64();
            return buffers;
        }

        private static void WriteSide<T>(SnapshotOutput output, List<Buffered<T>> side, StateCodec<T> codec)
        {
            output.WriteInt32(side.Count);
            foreach (var e in side)
            {
                output.WriteInt64(e.Timestamp);
                output.WriteByte(e.Matched ? (byte)1 : (byte)0);
                output.WriteValue(codec, e.Value);
            }
        }

        private static void ReadSide<T>(SnapshotInput input, List<Buffered<T>> side, StateCodec<T> codec)
        {
            int count = input.ReadCount(13);
            for (int i = 0; i < count; i++)
            {
                long timestamp = input.ReadInt64();
                bool matched = input.ReadByte() != 0;
                side.Add(new Buffered<T>(timestamp, input.ReadValue(codec), matched));
            }
        }
    }
}
