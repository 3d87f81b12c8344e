using System.Threading.Channels;

namespace Pipelines.Hosting.Tests.TestSupport;

/// <summary>The pipeline most hosting tests run: a count per key and hour of event time over a channel, a minute of disorder allowed.</summary>
internal static class HourlyCounts
{
    public static void Define(PipelineBuilder p, ChannelReader<Ev> input, Sink<WindowResult<string, long>> sink) =>
        p.From(Sources.Channel(input))
         .WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
         .KeyBy(e => e.Key)
         .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
         .Count()
         .To(sink);
}
