using System.Threading.Channels;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Streaming;

/// <summary>A cancelled or non-drained run still says what it did: a <see cref="PipelineCanceledException"/> carrying a summary.</summary>
public class CancelledRunSummaryTests
{
    [Fact]
    public async Task Bounded_CancelledDuringTheRun_ThrowsASummaryOfWhatWasDone()
    {
        using var cts = new CancellationTokenSource();
        var source = new ProbeSource<int>(Enumerable.Range(0, 1000).ToArray()) { OnRead = n => { if (n == 50) cts.Cancel(); } };
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Collection(results));

        var act = () => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 10 }).RunAsync(p.Build(), cts.Token);

        var cancelled = (await act.Should().ThrowAsync<PipelineCanceledException>()).Which;
        cancelled.CancellationToken.Should().Be(cts.Token);
        cancelled.Summary.ElementsRead.Should().Be(source.Read);
        cancelled.Summary.ResultsWritten.Should().Be(results.Count);
        cancelled.Message.Should().Contain($"after reading {source.Read} elements");
    }

    [Fact]
    public async Task Streaming_StopWithoutDraining_ReturnsTheSummary_AndCompletionThrowsItInAPipelineCanceledException()
    {
        var channel = Channel.CreateUnbounded<int>();
        var results = new List<WindowResult<int, long>>();
        var passed = new List<int>();
        var p = new PipelineBuilder();
        var input = p.From(Sources.Channel(channel.Reader)).Select(x => { lock (passed) passed.Add(x); return x; });
        input.WithEventTime(x => DateTimeOffset.UnixEpoch.AddSeconds(x), Watermarks.Monotonic())
            .KeyBy(x => x % 2).Window(Windows.Global()).Count().To(Sinks.Collection(results));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).Start(p.Build());
        for (int i = 0; i < 30; i++) channel.Writer.TryWrite(i);
        while (run.ElementsRead < 30) await Task.Delay(5);

        var summary = await run.StopAsync(drain: false);

        summary.ElementsRead.Should().Be(30);
        summary.ResultsWritten.Should().Be(0, "the global windows never fired");
        results.Should().BeEmpty();
        var completion = async () => await run.Completion;
        (await completion.Should().ThrowAsync<PipelineCanceledException>()).Which.Summary.Should().Be(summary);
    }

    [Fact]
    public async Task Streaming_TokenCancelled_ThrowsAPipelineCanceledException()
    {
        using var cts = new CancellationTokenSource();
        var channel = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).To(Sinks.Collection(new List<int>()));
        var run = new StreamingExecutor().RunAsync(p.Build(), cts.Token);
        channel.Writer.TryWrite(1);

        cts.Cancel();

        var act = async () => await run;
        (await act.Should().ThrowAsync<PipelineCanceledException>()).Which.CancellationToken.Should().Be(cts.Token);
    }

    [Fact]
    public async Task Streaming_StopWithDraining_ReturnsTheWholeRunsSummary()
    {
        var channel = Channel.CreateUnbounded<int>();
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).To(Sinks.Collection(results));
        var run = new StreamingExecutor().Start(p.Build());
        for (int i = 0; i < 5; i++) channel.Writer.TryWrite(i);
        while (run.ElementsRead < 5) await Task.Delay(5);

        var summary = await run.StopAsync();

        (summary.ElementsRead, summary.ResultsWritten).Should().Be((5, 5));
        (await run.Completion).Should().Be(summary);
    }
}
