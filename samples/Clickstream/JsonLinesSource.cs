using System.Text.Json;
using Pipelines;

namespace Clickstream;

/// <summary>
/// A bounded source over a JSON Lines file: reads and parses lines synchronously in
/// <see cref="SourceReader{T}.TryRead"/> (local file I/O), skips blank lines, and reports how much of the file
/// it has read for progress bars.
/// </summary>
public sealed class JsonLinesSource<T>(string path, JsonSerializerOptions json) : Source<T>
{
    public override string Name => $"file {Path.GetFileName(path)}";

    public override bool IsBounded => true;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) =>
        new(new Reader(new StreamReader(path), json, path));

    private sealed class Reader(StreamReader file, JsonSerializerOptions json, string path) : SourceReader<T>
    {
        private readonly long _length = file.BaseStream.Length;
        private long _line;
        private bool _ended;

        public override double? FractionRead => _ended || _length == 0 ? 1.0 : Math.Min(1.0, (double)file.BaseStream.Position / _length);

        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && !_ended)
            {
                string? line = file.ReadLine();
                if (line is null)
                {
                    _ended = true;
                    break;
                }

                _line++;
                if (line.Length == 0) continue;
                destination[n++] = JsonSerializer.Deserialize<T>(line, json)
                    ?? throw new InvalidDataException($"{path}:{_line}: 'null' is not a {typeof(T).Name}.");
            }

            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(!_ended);

        public override ValueTask DisposeAsync()
        {
            file.Dispose();
            return base.DisposeAsync();
        }
    }
}
