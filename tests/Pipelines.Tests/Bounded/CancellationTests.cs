using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Bounded;

public class CancellationTests
{
    private static readonly int[] Thousand = Enumerable.Range(0, 1000).ToArray();

    [Fact]
    public async Task TokenCancelledBeforeTheRun_Throws_WithoutOpeningTheSource()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var source = new ProbeSource<int>(Thousand);
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).To(Sinks.Collection(results));

        var act = () => new BoundedExecutor().RunAsync(p.Build(), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        source.Opened.Should().Be(0);
        results.Should().BeEmpty();
    }

    [Fact]
    public async Task TokenCancelledDuringTheRun_Throws_AndStopsReadingSoon()
    {
        using var cts = new CancellationTokenSource();
        var source = new ProbeSource<int>(Thousand) { OnRead = n => { if (n == 50) cts.Cancel(); } };
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(source).Select(x => x * 2).To(Sinks.Collection(results));

        var act = () => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 10 }).RunAsync(p.Build(), cts.Token);

        (await act.Should().ThrowAsync<OperationCanceledException>()).Which.CancellationToken.Should().Be(cts.Token);
        source.Read.Should().BeInRange(50, 60, "the executor checks the token between batches of 10");
        results.Count.Should().BeLessThanOrEqualTo(source.Read);
        source.Disposed.Should().Be(1);
    }

    [Fact]
    public async Task TokenCancelledDuringTheRun_WindowsDoNotFire()
    {
        using var cts = new CancellationTokenSource();
        var events = Enumerable.Range(0, 1000).Select(i => Ev.At("k", i)).ToArray();
        var source = new ProbeSource<Ev>(events) { OnRead = n => { if (n == 500) cts.Cancel(); } };
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(source).WithEventTime(e => e.Time, BoundedRun.NoDelay).KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(results));

        var act = () => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build(), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        results.Should().BeEmpty("a cancelled run has no end of input, so no window is complete");
    }

    [Fact]
    public async Task TokenCancelledWhileAnAsyncSinkWaits_Throws()
    {
        using var cts = new CancellationTokenSource();
        int written = 0;
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Thousand)).To(Sinks.Action<int>(async (x, ct) =>
        {
            if (++written == 20) cts.Cancel();
            await Task.Delay(TimeSpan.FromMilliseconds(x < 20 ? 0 : 10_000), ct);
        }));

        var act = () => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 8 }).RunAsync(p.Build(), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        written.Should().BeLessThan(Thousand.Length);
    }

    [Fact]
    public async Task TokenNeverCancelled_RunCompletesNormally()
    {
        using var cts = new CancellationTokenSource();
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Thousand)).To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build(), cts.Token);

        results.Should().Equal(Thousand);
    }
}
