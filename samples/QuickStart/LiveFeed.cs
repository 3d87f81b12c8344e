using System.Threading.Channels;

namespace QuickStart;

/// <summary>
/// The streaming demo's input: three simulated minutes of clicks (12:00 to 12:03), up to 4 s out of order,
/// written into a channel at one simulated second per 10 ms of wall time. On top of that, a phone that was
/// offline uploads a few old page views long after they happened: some are late but within the allowed
/// lateness, some are too late.
/// </summary>
public sealed class LiveFeed
{
    /// <summary>When the simulated feed starts.</summary>
    public static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>How much event time the feed covers.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(3);

    /// <summary>Wall time per simulated second.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    private readonly List<(Click[] Clicks, bool IsUpload)> _chunks = [];

    /// <summary>Builds the feed; it is the same on every run.</summary>
    public LiveFeed()
    {
        // The watermark trails the newest event by 5 s. The window [12:00, 12:01) fires when the feed reaches
        // about 12:01:05 and keeps its state for 1 min (allowed lateness), until about 12:02:05.
        LateWithinLateness = [Offline("/home", "12:00:50"), Offline("/home", "12:00:55"), Offline("/home", "12:01:45")];
        TooLate = [Offline("/home", "12:00:10"), Offline("/cart", "12:00:20"), Offline("/deals", "12:00:30")];
        var uploads = new Queue<(DateTimeOffset At, Click[] Clicks)>(
        [
            (At("12:01:40"), LateWithinLateness[..2]), // after 12:00 fired (~12:01:05), before it is dropped (~12:02:05)
            (At("12:02:30"), LateWithinLateness[2..]), // after 12:01 fired (~12:02:05), before it is dropped (~12:03:05)
            (At("12:02:50"), TooLate),                 // 12:00 was dropped at ~12:02:05
        ]);

        // Cut the generated events into one chunk per simulated second (by the newest event time so far),
        // and slot each upload in where the feed reaches its time.
        var regular = ClickGenerator.Generate(seed: 7, Start, Length, count: 18_000, maxDelay: TimeSpan.FromSeconds(4));
        int second = 0; // simulated second of the newest event so far
        var chunk = new List<Click>();
        foreach (var click in regular)
        {
            int s = (int)(click.Time - Start).TotalSeconds;
            if (s > second)
            {
                _chunks.Add(([.. chunk], false));
                chunk.Clear();
                second = s;
                while (uploads.Count > 0 && uploads.Peek().At <= Start.AddSeconds(second)) _chunks.Add((uploads.Dequeue().Clicks, true));
            }

            chunk.Add(click);
        }

        _chunks.Add(([.. chunk], false));
        foreach (var (_, clicks) in uploads) _chunks.Add((clicks, true));
    }

    /// <summary>Old views that arrive after their window fired, within the allowed lateness: they update it with Late panes.</summary>
    public Click[] LateWithinLateness { get; }

    /// <summary>Old views that arrive after their window's allowed lateness: dropped, and sent to <c>LateElements()</c>.</summary>
    public Click[] TooLate { get; }

    /// <summary>Every event, in the order <see cref="WriteToAsync"/> writes them.</summary>
    public List<Click> All() => _chunks.SelectMany(c => c.Clicks).ToList();

    /// <summary>Writes the feed into <paramref name="channel"/>, paced like a live source, then completes it.</summary>
    public async Task WriteToAsync(Channel<Click> channel, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var (clicks, isUpload) in _chunks)
            {
                if (isUpload)
                {
                    // A real producer would not wait here. The demo lets the pipeline read everything written so
                    // far (and move its watermark) first, so that which uploads are late is the same on every run.
                    while (channel.Reader.Count > 0) await Task.Delay(1, cancellationToken);
                    await Task.Delay(20, cancellationToken);
                }

                foreach (var click in clicks) await channel.Writer.WriteAsync(click, cancellationToken);
                if (!isUpload) await Task.Delay(Pace, cancellationToken);
            }
        }
        finally
        {
            channel.Writer.Complete(); // ends the streaming run: the final watermark (+inf) fires every open window
        }
    }

    private static Click Offline(string page, string time) => new("user-offline", page, "view", At(time));

    private static DateTimeOffset At(string timeOfDay) => new(Start.Date + TimeSpan.Parse(timeOfDay), TimeSpan.Zero);
}
