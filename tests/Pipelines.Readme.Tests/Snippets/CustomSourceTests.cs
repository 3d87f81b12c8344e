using System.Text.Json;

namespace Pipelines.Readme.Tests.Snippets;

#region README: custom-source
public sealed record LogPosition(long Next);

sealed class LogReader(Log log, long next) : SourceReader<Event, LogPosition>
{
    public override bool ProvidesTimestamps => true;
    public override int TryRead(Span<Event> events, Span<long> timestamps)   // what the executor calls
    {
        int n = log.Copy(next, events);
        for (int i = 0; i < n; i++) timestamps[i] = events[i].Time.UtcTicks;
        next += n;
        return n;
    }
    public override int TryRead(Span<Event> events) { int n = log.Copy(next, events); next += n; return n; }
    public override ValueTask<bool> WaitToReadAsync(CancellationToken ct) => log.WaitForMoreAsync(next, ct);
    public override LogPosition CapturePosition() => new(next);
    public override ValueTask CommitAsync(LogPosition position, CancellationToken ct) => log.SaveOffsetAsync(position.Next, ct);
}
#endregion

/// <summary>An event of the log.</summary>
public sealed record Event(string Key, DateTimeOffset Time);

/// <summary>An append-only log with a saved read offset: the README's custom source reads it.</summary>
public sealed class Log(IReadOnlyList<Event> events)
{
    public long SavedOffset { get; private set; }

    public int Copy(long from, Span<Event> destination)
    {
        int n = (int)Math.Min(destination.Length, events.Count - from);
        for (int i = 0; i < n; i++) destination[i] = events[(int)from + i];
        return n;
    }

    public ValueTask<bool> WaitForMoreAsync(long next, CancellationToken ct) => new(next < events.Count);

    public ValueTask SaveOffsetAsync(long offset, CancellationToken ct)
    {
        SavedOffset = offset;
        return default;
    }
}

/// <summary>The log as a source whose runs start where a position says.</summary>
internal sealed class LogSource(Log log) : Source<Event, LogPosition>
{
    public override string Name => "log";

    public override bool IsBounded => true;

    public override bool ProvidesEventTime => true;

    public override ValueTask<SourceReader<Event, LogPosition>> OpenAsync(SourceContext context, LogPosition? position, CancellationToken cancellationToken) =>
        new(new LogReader(log, position?.Next ?? 0));
}

/// <summary>The README's custom source, run: event times from the source, the position committed and resumed from.</summary>
public class CustomSourceTests
{
    [Fact]
    public async Task LogSource_ResumesFromASavedPosition_AndCommitsWhereItEnded()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var log = new Log([.. Enumerable.Range(0, 10).Select(i => new Event($"k{i % 2}", t0.AddSeconds(i)))]);
        var logSource = new LogSource(log);
        string saved = JsonSerializer.Serialize(new LogPosition(4));
        var counts = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();

        #region README: custom-source
        var events = p.From(logSource.ResumeFrom(JsonSerializer.Deserialize<LogPosition>(saved)!));   // logSource: a Source<Event, LogPosition>
        #endregion

        events.KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(counts));
        await new BoundedExecutor().RunAsync(p.Build());

        counts.Select(c => (c.Key, c.Value)).Should().BeEquivalentTo([("k0", 3L), ("k1", 3L)]);
        log.SavedOffset.Should().Be(10);
    }
}
