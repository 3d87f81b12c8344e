using Parquet;
using Parquet.Schema;

namespace Pipelines.Files;

/// <summary>Between <see cref="ParquetColumn"/> types and Parquet fields: the schema, and reading and writing a column of a row group.</summary>
internal static class ParquetTypes
{
    public static Type ToColumnType(DataField field, string path)
    {
        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(DateTime)) return typeof(DateTimeOffset);
        if (type == typeof(ReadOnlyMemory<char>)) return typeof(string);
        if (type == typeof(float)) return typeof(double);
        if (type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort)) return typeof(int);
        if (Array.IndexOf(ParquetColumn.Supported, type) >= 0) return type;
        throw new InvalidDataException($"'{path}': column '{field.Name}' has type {type.Name}, which is not supported (supported: {string.Join(", ", ParquetColumn.Supported.Select(t => t.Name))}).");
    }

    public static DataField ToField(ParquetColumn column) => column.Type switch
    {
        var t when t == typeof(bool) => new DataField<bool?>(column.Name),
        var t when t == typeof(int) => new DataField<int?>(column.Name),
        var t when t == typeof(long) => new DataField<long?>(column.Name),
        var t when t == typeof(double) => new DataField<double?>(column.Name),
        var t when t == typeof(decimal) => new DataField<decimal?>(column.Name),
        var t when t == typeof(DateTimeOffset) => new DataField<DateTime?>(column.Name),
        var t when t == typeof(DateOnly) => new DataField<DateOnly?>(column.Name),
        _ => new DataField<string>(column.Name),
    };

    public static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, Type type, int rows, CancellationToken cancellationToken)
    {
        var clr = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[rows];
            await group.ReadAsync(field, strings.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return [.. strings];
        }
        if (clr == typeof(bool)) return await Read<bool>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(int)) return await Read<int>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(short)) return await Read<short>(group, field, rows, v => (int)v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(byte)) return await Read<byte>(group, field, rows, v => (int)v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(sbyte)) return await Read<sbyte>(group, field, rows, v => (int)v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(ushort)) return await Read<ushort>(group, field, rows, v => (int)v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(long)) return await Read<long>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(double)) return await Read<double>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(float)) return await Read<float>(group, field, rows, v => (double)v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(decimal)) return await Read<decimal>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(DateOnly)) return await Read<DateOnly>(group, field, rows, v => v, cancellationToken).ConfigureAwait(false);
        if (clr == typeof(DateTime))
        {
            return await Read<DateTime>(group, field, rows, v => new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)), cancellationToken).ConfigureAwait(false);
        }
        throw new InvalidDataException($"column '{field.Name}' of type {clr.Name} cannot be read as {type.Name}.");
    }

    private static async Task<object?[]> Read<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, object> box, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T?[rows];
        await group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        var boxed = new object?[rows];
        for (int i = 0; i < rows; i++) boxed[i] = values[i] is T v ? box(v) : null;
        return boxed;
    }

    public static async Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, ParquetColumn column, List<ParquetRecord> rows, int index, CancellationToken cancellationToken)
    {
        var type = column.Type;
        if (type == typeof(string))
        {
            var strings = rows.Select(r => r[index] as string).ToArray();
            await group.WriteAsync(field, strings!, null).ConfigureAwait(false);
        }
        else if (type == typeof(bool)) await Write<bool>(group, field, rows, index, v => (bool)v, cancellationToken).ConfigureAwait(false);
        else if (type == typeof(int)) await Write<int>(group, field, rows, index, v => (int)v, cancellationToken).ConfigureAwait(false);
        else if (type == typeof(long)) await Write<long>(group, field, rows, index, v => (long)v, cancellationToken).ConfigureAwait(false);
        else if (type == typeof(double)) await Write<double>(group, field, rows, index, v => (double)v, cancellationToken).ConfigureAwait(false);
        else if (type == typeof(decimal)) await Write<decimal>(group, field, rows, index, v => (decimal)v, cancellationToken).ConfigureAwait(false);
        else if (type == typeof(DateOnly)) await Write<DateOnly>(group, field, rows, index, v => (DateOnly)v, cancellationToken).ConfigureAwait(false);
        else await Write<DateTime>(group, field, rows, index, v => ((DateTimeOffset)v).UtcDateTime, cancellationToken).ConfigureAwait(false);
    }

    private static Task Write<T>(ParquetRowGroupWriter group, DataField field, List<ParquetRecord> rows, int index, Func<object, T> unbox, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T?[rows.Count];
        for (int i = 0; i < values.Length; i++)
        {
            object? value = rows[i][index];
            try
            {
                values[i] = value is null ? null : unbox(value);
            }
            catch (InvalidCastException)
            {
                throw new ArgumentException($"Parquet column '{field.Name}' holds {typeof(T).Name}, but a record has {value!.GetType().Name} ({value}).");
            }
        }
        return group.WriteAsync<T>(field, values.AsMemory(), null, null, cancellationToken);
    }
}
