using CsvHelper;

namespace Pipelines.Sql.Connectors;

/// <summary>One CSV record as text fields, with the header of the file it came from (empty without a header).</summary>
internal abstract class CsvFields(string[] header, string[] values)
{
    private static int _registered;

    public string[] Header { get; } = header;

    public string[] Values { get; } = values;

    /// <summary>Teaches CsvHelper to read any CSV file as <see cref="NamedCsvFields"/> or <see cref="PositionalCsvFields"/>, whatever its columns.</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0) return;
        CsvRecordMapper.Register(reader => new Mapper<NamedCsvFields>(reader, true, (h, v) => new NamedCsvFields(h, v)));
        CsvRecordMapper.Register(reader => new Mapper<PositionalCsvFields>(reader, false, (h, v) => new PositionalCsvFields(v)));
    }

    private sealed class Mapper<T> : CsvRecordMapper<T>
    {
        private readonly string[] _header;
        private readonly Func<string[], string[], T> _create;

        public Mapper(CsvReader reader, bool named, Func<string[], string[], T> create)
        {
            _create = create;
            _header = named ? [.. reader.Headers] : [];
            // Without a header a named mapper cannot be made; the source then makes one from each file's header.
            if (named && _header.Length == 0) throw new KeyNotFoundException("the columns are matched by the file's header");
        }

        public override T Read(CsvReader reader)
        {
            var values = new string[reader.FieldCount];
            for (int i = 0; i < values.Length; i++) values[i] = reader.GetString(i);
            return _create(_header, values);
        }
    }
}

/// <summary>A record of a file with a header: columns are matched by name.</summary>
internal sealed class NamedCsvFields(string[] header, string[] values) : CsvFields(header, values);

/// <summary>A record of a file without a header: columns are matched by position.</summary>
internal sealed class PositionalCsvFields(string[] values) : CsvFields([], values);
