using System.Text.Json;

namespace Pipelines.Files.Reading;

/// <summary>One JSON value per line, deserialized with System.Text.Json straight from the UTF-8 bytes.</summary>
internal sealed class JsonLinesFormat<T>(JsonSerializerOptions options) : RecordFormat<T>
{
    private readonly Parser _parser = new(options);

    public override string Kind => "JsonLines";

    public override bool HasHeader => false;

    public override RecordScanner CreateScanner() => new(false, 0, 0, false);

    /// <summary>The parser keeps no per-file state, so every file shares one.</summary>
    public override RecordParser<T> CreateParser() => _parser;

    private sealed class Parser(JsonSerializerOptions options) : RecordParser<T>
    {
        public override ParseOutcome Parse(FileCursor cursor, in RecordRef record, out T value, out string reason, out Exception? cause)
        {
            var bytes = cursor.Buffer.Span[record.Start..record.End];
            try
            {
                var parsed = JsonSerializer.Deserialize<T>(bytes, options);
                if (parsed is not null)
                {
                    value = parsed;
                    reason = string.Empty;
                    cause = null;
                    return ParseOutcome.Element;
                }

                reason = $"the line is JSON null, not a {typeof(T).Name}";
                cause = null;
            }
            catch (JsonException ex)
            {
                reason = $"invalid JSON for {typeof(T).Name}: {ex.Message}";
                cause = ex;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not NotSupportedException)
            {
                // The type's own code refused the line (a constructor or setter that validates, a custom converter):
                // the line's fault, so it follows the error policy with its file and line like any malformed one.
                // (NotSupportedException is System.Text.Json's for a type it cannot read at all: the run's fault,
                // not the line's, so it still fails the run.)
                reason = $"{typeof(T).Name} refused the line: {ex.GetType().Name}: {ex.Message}";
                cause = ex;
            }

            value = default!;
            return ParseOutcome.Malformed;
        }
    }
}
