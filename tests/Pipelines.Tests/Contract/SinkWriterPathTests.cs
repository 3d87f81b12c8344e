using System.Threading.Channels;

namespace Pipelines.Tests.Contract;

/// <summary>The two write paths of a sink (synchronous TryWrite, then WriteAsync for the rest) keep order and lose nothing.</summary>
public class SinkWriterPathTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChannelSink_FullChannel_WritesThePrefixNowAndTheRestLater_InOrder(bool streaming)
    {
        var channel = Channel.CreateBounded<int>(3);
        var received = new List<int>();
        var reader = Task.Run(async () =>
        {
            await foreach (var item in channel.Reader.ReadAllAsync())
            {
                received.Add(item);
                if (item % 50 == 0) await Task.Delay(1);
            }
        });
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 2_000))).Select(i => i * 2).To(Sinks.Channel(channel.Writer));
        if (streaming) await new StreamingExecutor(new StreamingOptions { MaxBatchSize = 64 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));
        else await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 64 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));
        await reader.WaitAsync(TimeSpan.FromSeconds(60));
        received.Should().Equal(Enumerable.Range(0, 2_000).Select(i => i * 2));
    }

    private sealed class HalfNowSink(List<int> written) : Sink<int>
    {
        public override string Name => "half-now";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(written));

        private sealed class Writer(List<int> written) : SinkWriter<int>
        {
            public override int TryWrite(ReadOnlySpan<int> items)
            {
                int n = items.Length / 2;
                foreach (var item in items[..n]) written.Add(item);
                return n;
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<int> items, CancellationToken cancellationToken)
            {
                await Task.Yield();
                foreach (var item in items.ToArray()) written.Add(item);
            }
        }
    }

    [Fact]
    public async Task CustomWriter_PartialTryWrite_TheRestGoesThroughWriteAsync()
    {
        var written = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 1_000))).To(new HalfNowSink(written));
        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 7 }).RunAsync(p.Build());
        written.Should().Equal(Enumerable.Range(0, 1_000));
        summary.ResultsWritten.Should().Be(1_000);
    }
}
