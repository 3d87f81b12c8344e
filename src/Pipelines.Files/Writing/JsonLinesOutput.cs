using System.Text.Json;

namespace Pipelines.Files.Writing;

/// <summary>One JSON value per line, never indented (whatever the serializer options say), each line ended by LF.</summary>
internal sealed class JsonLinesOutput<T>(JsonSerializerOptions options) : RecordOutput<T>
{
    public override string Extension => ".jsonl";

    public override IRecordFileWriter<T> Start(MemoryStream staging) => new Writer(staging, options);

    private sealed class Writer(MemoryStream staging, JsonSerializerOptions options) : IRecordFileWriter<T>
    {
        private readonly Utf8JsonWriter _json = new(staging, new JsonWriterOptions { Indented = false, Encoder = options.Encoder, SkipValidation = false });

        public void Write(T item)
        {
            long before = staging.Length;
            try
            {
                JsonSerializer.Serialize(_json, item, options);
                _json.Flush();
                staging.WriteByte((byte)'\n');
            }
            catch
            {
                _json.Reset(staging);
                staging.SetLength(before);
                throw;
            }

            _json.Reset(staging);
        }

        public void Dispose() => _json.Dispose();
    }
}
