using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Numerics;
using System.Runtime.ExceptionServices;
using Npgsql;

namespace Pipelines.Postgres;

/// <summary>
/// PostgreSQL <c>numeric</c> values that <see cref="decimal"/> cannot hold — <c>NaN</c>, <c>±Infinity</c>, more than
/// 28 significant digits (<c>numeric(78,0)</c> token amounts) — read as the .NET value that keeps them: a
/// <see cref="double"/> for NaN and the infinities, a <see cref="BigInteger"/> for a whole number, else the text.
/// Npgsql's default read throws for them, which ended the whole change stream; read this way, the row reaches the
/// mapping, where a member that cannot hold the value is the row's error and follows the error policy.
/// </summary>
internal static class NumericValues
{
    public const string TypeName = "numeric";

    /// <summary>The type's OID (fixed in PostgreSQL's catalog): a user's own type named <c>numeric</c> in another schema is not it.</summary>
    public const uint Oid = 1700;

    /// <summary>A numeric in PostgreSQL's text form (what logical replication sends).</summary>
    public static object FromText(string text)
    {
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal d)) return d;
        switch (text)
        {
            case "NaN": return double.NaN;
            case "Infinity": return double.PositiveInfinity;
            case "-Infinity": return double.NegativeInfinity;
        }

        return BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? whole : text;
    }

    /// <summary>
    /// A numeric in PostgreSQL's binary form as text: its digit count, weight (of the first base-10,000 digit), sign
    /// and display scale, then the base-10,000 digits, each a big-endian 16-bit number.
    /// </summary>
    public static string BinaryToText(ReadOnlySpan<byte> data)
    {
        int count = BinaryPrimitives.ReadInt16BigEndian(data);
        int weight = BinaryPrimitives.ReadInt16BigEndian(data[2..]);
        ushort sign = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int scale = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        switch (sign)
        {
            case 0xC000: return "NaN";
            case 0xD000: return "Infinity";
            case 0xF000: return "-Infinity";
        }

        var text = new StringBuilder();
        if (sign == 0x4000) text.Append('-');
        if (weight < 0) text.Append('0');
        for (int i = 0; i <= weight; i++) text.Append(i == 0 ? Digit(data, count, i).ToString(CultureInfo.InvariantCulture) : Digit(data, count, i).ToString("D4", CultureInfo.InvariantCulture));
        if (scale > 0)
        {
            var fraction = new StringBuilder();
            for (int i = weight + 1; fraction.Length < scale; i++) fraction.Append(Digit(data, count, i).ToString("D4", CultureInfo.InvariantCulture));
            text.Append('.').Append(fraction.ToString(0, scale));
        }

        return text.ToString();
    }

    private static short Digit(ReadOnlySpan<byte> data, int count, int i) => i >= 0 && i < count ? BinaryPrimitives.ReadInt16BigEndian(data[(8 + (2 * i))..]) : (short)0;

    /// <summary>
    /// Column <paramref name="ordinal"/> of the current row by Npgsql's default type, except a whole <c>numeric</c> too
    /// long for <see cref="decimal"/>, read as a <see cref="BigInteger"/>. (NaN and ±Infinity cannot be read from
    /// Npgsql's binary form at all: Npgsql's error stands, and the caller marks the value unreadable.)
    /// </summary>
    public static object Read(NpgsqlDataReader reader, int ordinal)
    {
        try
        {
            return reader.GetValue(ordinal);
        }
        catch (Exception ex) when (ex is InvalidCastException or OverflowException && reader.GetDataTypeName(ordinal) == TypeName)
        {
            try
            {
                return reader.GetFieldValue<BigInteger>(ordinal);
            }
            catch (Exception inner) when (inner is InvalidCastException or OverflowException)
            {
                ExceptionDispatchInfo.Throw(ex);
                throw;
            }
        }
    }
}
