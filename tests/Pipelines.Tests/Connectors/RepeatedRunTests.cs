using System.Threading.Channels;

namespace Pipelines.Tests.Connectors;

/// <summary>
/// One <see cref="Pipeline"/> run twice, one run after the other or both at once: each run gets its own readers and
/// writers and the same results, or the connector refuses the run and says why.
/// </summary>
public class RepeatedRunTests
{
    private static readonly int[] Input = Enumerable.Range(1, 200).ToArray();

    private static Pipeline SumsPerKey(Source<int> source, Sink<WindowResult<int, long>> sink)
    {
        var p = new PipelineBuilder();
        p.From(source)
            .WithEventTime(x => DateTimeOffset.UnixEpoch.AddSeconds(x), Watermarks.Monotonic())
            .KeyBy(x => x % 3)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(50)))
            .Sum(x => (long)x)
            .To(sink);
        return p.Build();
    }

    private static List<(int, DateTimeOffset, long)> Sorted(IEnumerable<WindowResult<int, long>> results) =>
        [.. results.Select(r => (r.Key, r.Window.Start, r.Value)).Order()];

    [Fact]
    public async Task EnumerableSource_TwoRunsOnBothExecutors_GiveTheSameResults_WhenTheCollectionIsClearedBetween()
    {
        var results = new List<WindowResult<int, long>>();
        var pipeline = SumsPerKey(Sources.Enumerable(Input), Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(pipeline);
        var batch = Sorted(results);
        results.Clear();
        await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(pipeline);

        batch.Should().HaveCount(13);
        Sorted(results).Should().Equal(batch);
    }

    [Fact]
    public async Task CollectionSink_ASecondRun_IsRefused_WhileTheCollectionHoldsTheFirstRunsResults()
    {
        var results = new List<WindowResult<int, long>>();
        var pipeline = SumsPerKey(Sources.Enumerable(Input), Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(pipeline);

        var second = () => new StreamingExecutor().RunAsync(pipeline);

        (await second.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage("*still holds the 13 results of an earlier run*Clear the collection*");
        results.Should().HaveCount(13, "the refused run wrote nothing");
    }

    [Fact]
    public async Task CollectionSink_AConcurrentRun_IsRefused_AndTheFirstRunFinishesUndisturbed()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.AsyncEnumerable(Gated(gate.Task), isBounded: true)).To(Sinks.Collection(results));
        var pipeline = p.Build();

        var first = new StreamingExecutor().RunAsync(pipeline);
        await Eventually(() => { lock (results) return results.Count == 1; });
        var second = () => new BoundedExecutor().RunAsync(pipeline);

        (await second.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*receiving the results of another run*");
        gate.SetResult();
        await first;
        results.Should().Equal(1, 2);
    }

    [Fact]
    public async Task CollectionSink_TwoStreamsOfOneRun_ShareIt()
    {
        var results = new List<int>();
        var sink = Sinks.Collection(results);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 })).To(sink);
        p.From(Sources.Enumerable(new[] { 3 })).To(sink);

        await new StreamingExecutor().RunAsync(p.Build());

        results.Should().BeEquivalentTo([1, 2, 3]);
    }

    [Fact]
    public async Task ChannelSource_AConcurrentRun_IsRefused_InsteadOfSplittingTheInput()
    {
        var channel = Channel.CreateUnbounded<int>();
        var first = new List<int>();
        var second = new List<int>();
        var source = Sources.Channel(channel.Reader);
        var p1 = new PipelineBuilder();
        p1.From(source).To(Sinks.Collection(first));
        var p2 = new PipelineBuilder();
        p2.From(source).To(Sinks.Collection(second));

        var run = new StreamingExecutor().Start(p1.Build());
        channel.Writer.TryWrite(1);
        await Eventually(() => { lock (first) return first.Count == 1; });
        var concurrent = () => new StreamingExecutor().RunAsync(p2.Build());

        (await concurrent.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage("*being read by another run*split its input*");
        foreach (int x in Input) channel.Writer.TryWrite(x);
        channel.Writer.Complete();
        await run.Completion;
        first.Should().HaveCount(Input.Length + 1);
    }

    [Fact]
    public async Task ChannelSource_ARunAfterTheChannelWasReadToItsEnd_IsRefused()
    {
        var channel = Channel.CreateUnbounded<int>();
        foreach (int x in Input) channel.Writer.TryWrite(x);
        channel.Writer.Complete();
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).To(Sinks.Collection(results));
        var pipeline = p.Build();
        await new StreamingExecutor().RunAsync(pipeline);
        results.Clear();

        var again = () => new StreamingExecutor().RunAsync(pipeline);

        (await again.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*read to its end by an earlier run*new channel*");
    }

    [Fact]
    public async Task ChannelSource_ARunAfterAStoppedOne_ReadsWhatIsLeft()
    {
        var channel = Channel.CreateUnbounded<int>();
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).To(Sinks.Collection(results));
        var pipeline = p.Build();
        var run = new StreamingExecutor().Start(pipeline);
        channel.Writer.TryWrite(1);
        await Eventually(() => { lock (results) return results.Count == 1; });
        await run.StopAsync(drain: true);
        channel.Writer.TryWrite(2);
        channel.Writer.Complete();
        results.Clear();

        await new StreamingExecutor().RunAsync(pipeline);

        results.Should().Equal(2);
    }

    [Fact]
    public async Task ChannelSink_ThatCompletesItsChannel_RefusesASecondRun()
    {
        var channel = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 })).To(Sinks.Channel(channel.Writer));
        var pipeline = p.Build();
        await new BoundedExecutor().RunAsync(pipeline);

        var again = () => new BoundedExecutor().RunAsync(pipeline);

        (await again.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*completed its channel at the end of an earlier run*completeAtEnd: false*");
        (await channel.Reader.ReadAllAsync().ToListAsync()).Should().Equal(1, 2);
    }

    [Fact]
    public async Task ChannelSink_ThatLeavesItsChannelOpen_TakesEveryRun()
    {
        var channel = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 })).To(Sinks.Channel(channel.Writer, completeAtEnd: false));
        var pipeline = p.Build();

        await new BoundedExecutor().RunAsync(pipeline);
        await new StreamingExecutor().RunAsync(pipeline);
        channel.Writer.Complete();

        (await channel.Reader.ReadAllAsync().ToListAsync()).Should().Equal(1, 2, 1, 2);
    }

    [Fact]
    public async Task ActionSink_ConcurrentRuns_AreCalledOneAtATime()
    {
        int inside = 0, most = 0, calls = 0;
        var sink = Sinks.Action<int>(_ =>
        {
            int now = Interlocked.Increment(ref inside);
            most = Math.Max(most, now);
            Thread.SpinWait(2_000);
            calls++;
            Interlocked.Decrement(ref inside);
        });
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(sink);
        var pipeline = p.Build();
        var options = new StreamingOptions { MaxBatchSize = 8 };

        await Task.WhenAll(new StreamingExecutor(options).RunAsync(pipeline), new StreamingExecutor(options).RunAsync(pipeline), Task.Run(() => new BoundedExecutor().RunAsync(pipeline)));

        calls.Should().Be(3 * Input.Length);
        most.Should().Be(1);
    }

    private static async IAsyncEnumerable<int> Gated(Task gate)
    {
        yield return 1;
        await gate;
        yield return 2;
    }

    /// <summary>
    /// Waits for what a running pipeline does on its own (an element reaching the sink). The bound is only against a
    /// hang: on a shared machine a run can be starved of CPU for seconds, so it is generous.
    /// </summary>
    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not hold within 60 s.");
            await Task.Delay(5);
        }
    }
}
