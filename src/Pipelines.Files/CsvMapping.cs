using CsvHelper;

namespace Pipelines.Files;

/// <summary>Checks up front that CsvHelper can map a type, so a missing mapper is a clear error when the pipeline is defined.</summary>
internal static class CsvMapping
{
    public static void EnsureMapped<T>()
    {
        if (!CsvRecordMapper.TryGetMembers<T>(out _))
        {
            throw new ArgumentException(
                $"CsvHelper has no mapper for {typeof(T).Name}: mark it [CsvRecord] and partial (CsvHelper's source generator then maps it), or register one with CsvRecordMapper.Register.",
                nameof(T));
        }
    }
}
