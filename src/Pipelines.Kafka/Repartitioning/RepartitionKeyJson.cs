using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Kafka;

/// <summary>
/// The default key serializer of a repartition: JSON in a canonical form, so keys .NET calls equal give equal bytes
/// and so one partition. Plain JSON writes what equality ignores: a decimal's scale (<c>1.0m</c> and <c>1.00m</c>
/// are equal), an instant's offset (one <see cref="DateTimeOffset"/> at +00:00 and at +02:00), a
/// <see cref="DateTime"/>'s kind, the sign of a floating-point zero. Each of those, wherever it is in the key (a
/// record's member, a tuple's item, a nullable), is written here in one form: a decimal without trailing zeros, an
/// instant in UTC, a date and time without its kind, zero without a sign. Keys are only written (their bytes choose
/// the partition; the key read back is the one the key selector gives), so the form need not read back as it was.
/// </summary>
internal static class RepartitionKeyJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        IncludeFields = true,
        Converters = { new DecimalKey(), new DoubleKey(), new SingleKey(), new DateTimeOffsetKey(), new DateTimeKey() },
    };

    /// <summary>The canonical JSON serializer of keys of type <typeparamref name="TKey"/>.</summary>
    public static StateSerializer<TKey> For<TKey>() => StateSerializers.Json<TKey>(Options);

    /// <summary><paramref name="value"/> without trailing zeros (dividing by one with the largest scale drops them); zero without a sign.</summary>
    internal static decimal Canonical(decimal value) => value == 0m ? 0m : value / 1.0000000000000000000000000000m;

    private sealed class DecimalKey : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(Canonical(value));

        public override decimal ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            decimal.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Canonical(value).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A double: zero without its sign; NaN and the infinities (equal to themselves, which JSON numbers cannot hold) as names.</summary>
    private sealed class DoubleKey : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? double.Parse(reader.GetString()!, CultureInfo.InvariantCulture) : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value == 0d ? 0d : value);
            else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }

        public override double ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            double.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WritePropertyName((value == 0d ? 0d : value).ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>A float, as <see cref="DoubleKey"/> writes a double.</summary>
    private sealed class SingleKey : JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? float.Parse(reader.GetString()!, CultureInfo.InvariantCulture) : reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value == 0f ? 0f : value);
            else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }

        public override float ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            float.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, float value, JsonSerializerOptions options) =>
            writer.WritePropertyName((value == 0f ? 0f : value).ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>An instant in UTC: equality compares instants, not offsets.</summary>
    private sealed class DateTimeOffsetKey : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToUniversalTime());

        public override DateTimeOffset ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WritePropertyName(value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>A date and time without its kind: equality compares ticks alone.</summary>
    private sealed class DateTimeKey : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTime();

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(DateTime.SpecifyKind(value, DateTimeKind.Unspecified));

        public override DateTime ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WritePropertyName(DateTime.SpecifyKind(value, DateTimeKind.Unspecified).ToString("O", CultureInfo.InvariantCulture));
    }
}
