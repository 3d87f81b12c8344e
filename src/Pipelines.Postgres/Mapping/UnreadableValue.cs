using Npgsql;

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

    /// <summary>Whether <paramref name="error"/>, thrown while reading one value of a row already received, leaves the connection usable (the value is then skipped).</summary>
    public static bool IsValueError(Exception error) => error is not (OperationCanceledException or NpgsqlException or ObjectDisposedException);

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
            return new UnreadableValue(reader.GetDataTypeName(ordinal), ex, advice(reader.GetName(ordinal)));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"(unreadable {TypeName})";
}
