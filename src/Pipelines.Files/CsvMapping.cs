using CsvHelper;

namespace Pipelines.Files;

/// <summary>Checks up front that CsvHelper can map a type, so a missing mapper is a clear error when the pipeline is defined, not a malformed line.</summary>
internal static class CsvMapping
{
    /// <summary>A mapper for files without a header, made now; with a header only checks that the type has a mapper.</summary>
    public static CsvRecordMapper<T>? EnsureReadable<T>(CsvReaderOptions headerless, bool hasHeader)
    {
        try
        {
            using var empty = CsvReader.Create(ReadOnlyMemory<byte>.Empty, headerless);
            var mapper = CsvRecordMapper.Create<T>(empty);

            // A file with a header has its mapper made from that header (which is then not read as a record), even
            // when the type maps by column index.
            return hasHeader ? null : mapper;
        }
        catch (InvalidOperationException ex)
        {
            throw NotMapped<T>(ex);
        }
        catch (KeyNotFoundException) when (hasHeader)
        {
            // The mapper exists; it maps by header names, which each file's header gives.
            return null;
        }
        catch (KeyNotFoundException ex)
        {
            throw new ArgumentException($"Files without a header map {typeof(T).Name} by column index: {ex.Message}", nameof(headerless), ex);
        }
    }

    public static void EnsureWritable<T>()
    {
        if (!CsvRecordWriter.IsRegistered<T>()) throw NotMapped<T>(null);
    }

    private static ArgumentException NotMapped<T>(Exception? cause) => new(
        $"CsvHelper has no mapper for {typeof(T).Name}: mark it [CsvRecord] and partial (CsvHelper's source generator then maps it), or register one with CsvRecordMapper.Register / CsvRecordWriter.Register.",
        nameof(T),
        cause);
}
