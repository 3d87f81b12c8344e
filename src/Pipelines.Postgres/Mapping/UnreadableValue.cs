using Npgsql;
using Npgsql.PostgresTypes;

namespace Pipelines.Postgres;

/// <summary>
/// A column value Npgsql could not read (a type it does not know, such as PostGIS <c>geometry</c>; a <c>numeric[]</c>
/// holding NaN; a value a <see cref="decimal"/> cannot hold in a type other than <c>numeric</c>), held in the row's
/// place for it. Reading it does not end the stream or the query: the row goes on, and only a row that needs the value
/// — a member of the type rows map to, or the row itself as a <see cref="PostgresRow"/> — is a bad row, named with the
/// column, its type and what to do, under the source's error policy. Columns no member maps are not needed.
/// </summary>
internal sealed class UnreadableValue(string typeName, Exception error, string advice)
{
    /// <summary>The column's PostgreSQL type.</summary>
    public string TypeName { get; } = typeName;

    /// <summary>Npgsql's error.</summary>
    public Exception Error { get; } = error;

    /// <summary>Why the row cannot be mapped, and what to do: the reason of the row's <see cref="PostgresMappingException"/>.</summary>
    public string Reason => $"Npgsql cannot read its {TypeName} value ({Error.GetType().Name}: {Error.Message}); {advice}";

    /// <summary>
    /// Whether <paramref name="error"/>, thrown while reading one value of a row already received, is about that value
    /// (its type has no reader, or the reader refused it), so that the value is skipped and the connection stays usable;
    /// anything else — cancellation, a broken connection, running out of memory — is not caught.
    /// </summary>
    public static bool IsValueError(Exception error) =>
        error is InvalidCastException or NotSupportedException or OverflowException or FormatException or ArgumentException;

    /// <summary>What to do about a value a change stream cannot read: the server sends it in binary form, which the reader cannot change.</summary>
    public const string ChangeAdvice = "map the rows to a type without a member for this column (a column no member maps is not needed), or change the column's type";

    /// <summary>
    /// Column <paramref name="ordinal"/> of a buffered row read with <paramref name="read"/>, or its
    /// <see cref="UnreadableValue"/> with <paramref name="advice"/> (given the column's name).
    /// </summary>
    public static object ReadOrMark(NpgsqlDataReader reader, int ordinal, Func<NpgsqlDataReader, int, object> read, Func<string, string> advice)
    {
        try
        {
            return read(reader, ordinal);
        }
        catch (Exception ex) when (IsValueError(ex))
        {
            return new UnreadableValue(TypeNameOf(reader.GetPostgresType(ordinal), reader.GetDataTypeName(ordinal)), ex, advice(reader.GetName(ordinal)));
        }
    }

    /// <summary>
    /// The name of a column's type for a message: its name, or for a type the connection did not know when it loaded
    /// its types (Npgsql names it <c>-.-</c>), its OID and why: <paramref name="oid"/> when the caller knows it (a
    /// change stream's relation announces it; Npgsql's stand-in type may say 0).
    /// </summary>
    public static string TypeNameOf(PostgresType type, string displayName, uint oid = 0) => type is UnknownBackendType
        ? $"type with OID {(oid != 0 ? oid : type.OID)} (unknown to the connection: Npgsql loads a database's types once per process, and a composite or range type, or an array of an enum, created after that is known to a change stream only after a restart)"
        : displayName;

    /// <inheritdoc />
    public override string ToString() => $"(unreadable {TypeName})";
}
