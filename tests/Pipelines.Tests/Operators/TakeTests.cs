using System.Threading.Channels;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>Take</c> and <c>TakeWhile</c>: the prefix on both executors; the bounded executor stops reading early.</summary>
public class TakeTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<RunSummary> RunAsync(string executor, Pipeline pipeline) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(pipeline).WaitAsync(Deadline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16 }).RunAsync(pipeline).WaitAsync(Deadline);

    /// <summary>Far more elements than a test could read: only a run that stops early ends.</summary>
    private static IEnumerable<int> Endless()
    {
        for (int i = 0; ; i++) yield return i;
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Take_KeepsTheFirstElements_InOrder(string executor)
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 100))).Take(10).Select(i => i * 2).To(Sinks.Collection(results));

        await RunAsync(executor, p.Build());

        results.Should().Equal(Enumerable.Range(0, 10).Select(i => i * 2));
    }

    [Fact]
    public async Task Bounded_StopsReadingTheSource_OnceTheCountIsReached()
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Endless(), "endless")).Where(i => i % 2 == 0).Take(25).To(Sinks.Collection(results));

        var summary = await RunAsync("bounded", p.Build());

        results.Should().Equal(Enumerable.Range(0, 25).Select(i => i * 2));
        summary.ElementsRead.Should().BeLessThan(100, "reading stops after the batch that completed the count");
    }

    [Fact]
    public async Task Bounded_TakeWhile_StopsReadingAtTheFirstElementThatFails()
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Endless())).TakeWhile(i => i < 37).To(Sinks.Collection(results));

        var summary = await RunAsync("bounded", p.Build());

        results.Should().Equal(Enumerable.Range(0, 37));
        summary.ElementsRead.Should().BeLessThan(64);
    }

    [Fact]
    public async Task Bounded_ASourceWithAnotherPathToASink_IsReadToTheEnd()
    {
        var firstFive = new List<int>();
        var all = new List<int>();
        var p = new PipelineBuilder();
        var numbers = p.From(Sources.Enumerable(Enumerable.Range(0, 200)));
        numbers.Take(5).To(Sinks.Collection(firstFive));
        numbers.Select(i => -i).To(Sinks.Collection(all));

        var summary = await RunAsync("bounded", p.Build());

        firstFive.Should().Equal(0, 1, 2, 3, 4);
        all.Should().HaveCount(200);
        summary.ElementsRead.Should().Be(200);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TakeWhile_KeepsTheElementsBeforeTheFirstThatFails_AndWindowsDownstreamFire(string executor)
    {
        var events = Enumerable.Range(0, 300).Select(i => Ev.At($"k{i % 2}", i, i)).ToArray();
        var counts = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .TakeWhile(e => e.Value < 150)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Collection(counts));

        await RunAsync(executor, p.Build());

        counts.Where(c => c.Timing == PaneTiming.OnTime).Select(c => (c.Key, c.Window.Start, c.Value)).OrderBy(c => c.Start).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Should().Equal(("k0", Ev.T0, 30L), ("k1", Ev.T0, 30L), ("k0", Ev.T0.AddMinutes(1), 30L), ("k1", Ev.T0.AddMinutes(1), 30L), ("k0", Ev.T0.AddMinutes(2), 15L), ("k1", Ev.T0.AddMinutes(2), 15L));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TakeWhile_ThrowingPredicate_UnderSkip_LeavesTheElementOut_AndGoesOn(string executor)
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 50)))
            .TakeWhile(i => i == 3 ? throw new InvalidOperationException("three") : i < 10)
            .OnError(ErrorPolicy.Skip)
            .To(Sinks.Collection(results));

        var summary = await RunAsync(executor, p.Build());

        results.Should().Equal(0, 1, 2, 4, 5, 6, 7, 8, 9);
        summary.ElementsSkipped.Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TakeWhile_ThrowingPredicate_UnderFail_NamesTheElement(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 50)))
            .TakeWhile(i => i == 3 ? throw new InvalidOperationException("three") : i < 10)
            .To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(executor, p.Build());

        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Operator.Should().StartWith("TakeWhile#");
        failure.Element.Should().Be(3);
    }

    [Fact]
    public async Task Bounded_EachRunOfOnePipeline_TakesItsOwnPrefix()
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Endless())).Take(3).To(Sinks.Action<int>(results.Add));
        var pipeline = p.Build();

        await RunAsync("bounded", pipeline);
        await RunAsync("bounded", pipeline);

        results.Should().Equal(0, 1, 2, 0, 1, 2);
    }

    [Fact]
    public async Task Streaming_OverAnOpenChannel_GivesAFinitePrefix_WhileTheRunGoesOn()
    {
        var channel = Channel.CreateUnbounded<int>();
        for (int i = 0; i < 20; i++) await channel.Writer.WriteAsync(i);
        var results = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).Take(5).To(Sinks.Action<int>(results.Enqueue));
        var run = new StreamingExecutor().Start(p.Build());

        await ReadAsync(run, 20);
        for (int i = 20; i < 40; i++) await channel.Writer.WriteAsync(i);
        await ReadAsync(run, 40);
        channel.Writer.Complete();
        var summary = await run.Completion.WaitAsync(Deadline);

        results.Should().Equal(0, 1, 2, 3, 4);
        summary.ElementsRead.Should().Be(40, "the streaming executor reads on; only the result is finite");
    }

    private static async Task ReadAsync(PipelineRun run, long elements)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (run.ElementsRead < elements)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The run read {run.ElementsRead} of {elements} elements.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.Take(-1)).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.TakeWhile(null!)).Should().Throw<ArgumentNullException>();
    }
}
