using CsvHelper;

namespace Pipelines.Files.Writing;

/// <summary>CSV through CsvHelper's writer: a header at the start of every file when the options ask for one.</summary>
internal sealed class CsvOutput<T>(CsvWriterOptions options) : RecordOutput<T>
{
    public override string Extension => ".csv";

    public override IRecordFileWriter<T> Start(MemoryStream staging)
    {
        var writer = new Writer(staging, options);
        if (options.HasHeader) writer.WriteHeader();
        return writer;
    }

    private sealed class Writer(MemoryStream staging, CsvWriterOptions options) : IRecordFileWriter<T>
    {
        private readonly CsvWriter _csv = CsvWriter.Create(staging, options, leaveOpen: true);

        public void WriteHeader()
        {
            _csv.WriteHeader<T>();
            _csv.Flush();
        }

        public void Write(T item)
        {
            long before = staging.Length;
            try
            {
                _csv.WriteRecord(item);
                _csv.Flush();
            }
            catch
            {
                staging.SetLength(before);
                throw;
            }
        }

        public void Dispose() => _csv.Dispose();
    }
}
