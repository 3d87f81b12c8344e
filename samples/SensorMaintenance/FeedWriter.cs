using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace SensorMaintenance;

/// <summary>Hosted mode: plays the shift's feed into the channel the pipeline reads, then completes it, which ends the pipeline.</summary>
public sealed class FeedWriter(SensorFeed feed, Channel<SensorReading> channel) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => feed.WriteToAsync(channel.Writer, stoppingToken);
}
