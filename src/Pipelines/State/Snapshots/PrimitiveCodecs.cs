namespace Pipelines.State.Snapshots;

/// <summary>
/// Fixed binary codecs for the common key and value types: no JSON, no allocation but a string's. Which types
/// have one is decided once per type (<see cref="For{T}"/>).
/// </summary>
internal static class PrimitiveCodecs
{
    /// <summary>The built-in codec of <typeparamref name="T"/>, or null when it has none.</summary>
    public static StateCodec<T>? For<T>()
    {
        object? codec = typeof(T) switch
        {
            var t when t == typeof(int) => new Int32Codec(),
            var t when t == typeof(long) => new Int64Codec(),
            var t when t == typeof(string) => new StringCodec(),
            var t when t == typeof(bool) => new BooleanCodec(),
            var t when t == typeof(double) => new DoubleCodec(),
            var t when t == typeof(float) => new SingleCodec(),
            var t when t == typeof(decimal) => new DecimalCodec(),
            var t when t == typeof(short) => new Int16Codec(),
            var t when t == typeof(byte) => new ByteCodec(),
            var t when t == typeof(char) => new CharCodec(),
            var t when t == typeof(uint) => new UInt32Codec(),
            var t when t == typeof(ulong) => new UInt64Codec(),
            var t when t == typeof(Guid) => new GuidCodec(),
            var t when t == typeof(DateTime) => new DateTimeCodec(),
            var t when t == typeof(DateTimeOffset) => new DateTimeOffsetCodec(),
            var t when t == typeof(TimeSpan) => new TimeSpanCodec(),
            _ => null,
        };
        return (StateCodec<T>?)codec;
    }

    private sealed class Int32Codec : StateCodec<int>
    {
        public override void Write(SnapshotOutput output, int value) => output.WriteInt32(value);

        public override int Read(SnapshotInput input) => input.ReadInt32();
    }

    private sealed class Int64Codec : StateCodec<long>
    {
        public override void Write(SnapshotOutput output, long value) => output.WriteInt64(value);

        public override long Read(SnapshotInput input) => input.ReadInt64();
    }

    private sealed class StringCodec : StateCodec<string>
    {
        // A null string (a list element, a map value) is written as length −1.
        public override void Write(SnapshotOutput output, string value)
        {
            if (value is null) output.WriteInt32(-1);
            else output.WriteString(value);
        }

        public override string Read(SnapshotInput input)
        {
            int at = input.Position;
            if (input.ReadInt32() == -1) return null!;
            input.Position = at;
            return input.ReadString();
        }
    }

    private sealed class BooleanCodec : StateCodec<bool>
    {
        public override void Write(SnapshotOutput output, bool value) => output.WriteByte(value ? (byte)1 : (byte)0);

        public override bool Read(SnapshotInput input) => input.ReadByte() switch
        {
            0 => false,
            1 => true,
            var b => throw new SnapshotFormatException($"A boolean reads {b}."),
        };
    }

    private sealed class DoubleCodec : StateCodec<double>
    {
        public override void Write(SnapshotOutput output, double value) => output.WriteInt64(BitConverter.DoubleToInt64Bits(value));

        public override double Read(SnapshotInput input) => BitConverter.Int64BitsToDouble(input.ReadInt64());
    }

    private sealed class SingleCodec : StateCodec<float>
    {
        public override void Write(SnapshotOutput output, float value) => output.WriteInt32(BitConverter.SingleToInt32Bits(value));

        public override float Read(SnapshotInput input) => BitConverter.Int32BitsToSingle(input.ReadInt32());
    }

    private sealed class DecimalCodec : StateCodec<decimal>
    {
        public override void Write(SnapshotOutput output, decimal value)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(value, bits);
            foreach (int b in bits) output.WriteInt32(b);
        }

        public override decimal Read(SnapshotInput input)
        {
            Span<int> bits = [input.ReadInt32(), input.ReadInt32(), input.ReadInt32(), input.ReadInt32()];
            try
            {
                return new decimal(bits);
            }
            catch (ArgumentException ex)
            {
                throw new SnapshotFormatException($"A decimal is damaged: {ex.Message}");
            }
        }
    }

    private sealed class Int16Codec : StateCodec<short>
    {
        public override void Write(SnapshotOutput output, short value) => output.WriteInt32(value);

        public override short Read(SnapshotInput input) => checked((short)input.ReadInt32());
    }

    private sealed class ByteCodec : StateCodec<byte>
    {
        public override void Write(SnapshotOutput output, byte value) => output.WriteByte(value);

        public override byte Read(SnapshotInput input) => input.ReadByte();
    }

    private sealed class CharCodec : StateCodec<char>
    {
        public override void Write(SnapshotOutput output, char value) => output.WriteInt32(value);

        public override char Read(SnapshotInput input) => checked((char)input.ReadInt32());
    }

    private sealed class UInt32Codec : StateCodec<uint>
    {
        public override void Write(SnapshotOutput output, uint value) => output.WriteInt32(unchecked((int)value));

        public override uint Read(SnapshotInput input) => unchecked((uint)input.ReadInt32());
    }

    private sealed class UInt64Codec : StateCodec<ulong>
    {
        public override void Write(SnapshotOutput output, ulong value) => output.WriteInt64(unchecked((long)value));

        public override ulong Read(SnapshotInput input) => unchecked((ulong)input.ReadInt64());
    }

    private sealed class GuidCodec : StateCodec<Guid>
    {
        public override void Write(SnapshotOutput output, Guid value)
        {
            value.TryWriteBytes(output.GetSpan(16));
            output.Advance(16);
        }

        public override Guid Read(SnapshotInput input) => new(input.ReadBytes(16));
    }

    private sealed class DateTimeCodec : StateCodec<DateTime>
    {
        public override void Write(SnapshotOutput output, DateTime value) => output.WriteInt64(value.ToBinary());

        public override DateTime Read(SnapshotInput input) => DateTime.FromBinary(input.ReadInt64());
    }

    private sealed class DateTimeOffsetCodec : StateCodec<DateTimeOffset>
    {
        public override void Write(SnapshotOutput output, DateTimeOffset value)
        {
            output.WriteInt64(value.UtcTicks);
            output.WriteInt32((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
        }

        public override DateTimeOffset Read(SnapshotInput input)
        {
            long utc = input.ReadInt64();
            var offset = TimeSpan.FromMinutes(input.ReadInt32());
            try
            {
                return new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(offset);
            }
            catch (ArgumentException ex)
            {
                throw new SnapshotFormatException($"A DateTimeOffset is damaged: {ex.Message}");
            }
        }
    }

    private sealed class TimeSpanCodec : StateCodec<TimeSpan>
    {
        public override void Write(SnapshotOutput output, TimeSpan value) => output.WriteInt64(value.Ticks);

        public override TimeSpan Read(SnapshotInput input) => new(input.ReadInt64());
    }
}
