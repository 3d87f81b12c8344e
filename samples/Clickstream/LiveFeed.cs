using System.Threading.Channels;

namespace Clickstream;

/// <summary>The same events as a live feed: written into a channel in log order, one simulated 10 minutes per 20 ms of wall time (the day in about 3 s).</summary>
public static class LiveFeed
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    public static async Task WriteToAsync(IReadOnlyList<ClickEvent> events, ChannelWriter<ClickEvent> writer, CancellationToken cancellationToken = default)
    {
        try
        {
            var until = ClickGenerator.Day + Step;
            foreach (var e in events)
            {
                while (e.Time >= until)
                {
                    await Task.Delay(Pace, cancellationToken);
                    until += Step;
                }

                await writer.WriteAsync(e, cancellationToken);
            }
        }
        finally
        {
            writer.Complete();
        }
    }
}
