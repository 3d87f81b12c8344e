using System.Text.Json;

namespace Clickstream;

/// <summary>Yesterday's log file: one JSON object per line (JSON Lines).</summary>
public static class ClickLog
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task WriteAsync(string path, IEnumerable<ClickEvent> events, CancellationToken cancellationToken = default)
    {
        await using var writer = new StreamWriter(path, append: false);
        foreach (var e in events) await writer.WriteLineAsync(JsonSerializer.Serialize(e, Json).AsMemory(), cancellationToken);
    }
}
