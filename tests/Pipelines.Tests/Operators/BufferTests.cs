using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary><c>Buffer(count)</c> and <c>Buffer(count, maxWait)</c>: lists by count on both executors, by processing time on the fake clock.</summary>
public class BufferTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build()).WaitAsync(Deadline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16 }).RunAsync(p.Build()).WaitAsync(Deadline);

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Buffer_CutsListsOfCount_InOrder_AndTheRestAtTheEnd(string executor)
    {
        var lists = new List<IReadOnlyList<int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 45))).Buffer(10).To(Sinks.Collection(lists));

        await RunAsync(executor, p);

        lists.Select(l => l.ToArray()).Should().BeEquivalentTo(
            Enumerable.Range(0, 5).Select(k => Enumerable.Range(k * 10, Math.Min(10, 45 - k * 10)).ToArray()),
            o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ListsCarryTheirLatestEventTime_AndTheWatermarkWaitsForThem_SoWindowsOnListsAgree(string executor)
    {
        // Events one second apart; lists of 7 have the time of their last event. Were the watermark passed on ahead
        // of the held events, lists would arrive late at the window and be dropped.
        var events = Enumerable.Range(0, 300).Select(i => Ev.At("k", i, i)).ToArray();
        var counts = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .Buffer(7)
            .KeyBy(_ => "lists")
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Collection(counts));

        var summary = await RunAsync(executor, p);

        var expected = Enumerable.Range(0, (300 + 6) / 7)
            .Select(k => Math.Min(7 * k + 6, 299))
            .GroupBy(last => last / 60)
            .Select(g => (Ev.T0.AddMinutes(g.Key), (long)g.Count()));
        counts.Where(c => c.Timing == PaneTiming.OnTime).Select(c => (c.Window.Start, c.Value)).OrderBy(c => c.Start).Should().Equal(expected);
        summary.LateElementsDropped.Should().Be(0);
    }

    [Fact]
    public void Operator_HoldsTheWatermarkBelowTheEarliestHeldElement_AndWithoutStorage_EmitsTheListHeldAtABarrier_AheadOfIt()
    {
        var harness = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(3, null, TimeProvider.System, output));

        harness.Element(1, 100).Element(2, 90).Watermark(150);
        harness.Output.Watermarks.Should().Equal(89L);
        harness.Output.Values.Should().BeEmpty();

        harness.Barrier(1);
        harness.Output.Values.Should().ContainSingle().Which.Should().Equal([1, 2], "without checkpoint storage the list held at a barrier goes out, short, ahead of it");
        harness.Output.Barriers.Should().Equal(1L);
        harness.Output.Watermarks.Should().Equal(89L, 150L);

        harness.Element(3, 200).Element(4, 210).Element(5, 220);
        harness.Output.Values.Should().HaveCount(2).And.Subject.Last().Should().Equal([3, 4, 5], "elements after the barrier start a list of their own");
        harness.Barrier(2);
        harness.Output.Barriers.Should().Equal(new long[] { 1, 2 }, "nothing held: the barrier passes at once");
        harness.Output.Values.Should().HaveCount(2, "there was nothing to emit");
    }

    [Fact]
    public void Operator_EmitsANotFullList_OnceItsFirstElementHasWaitedMaxWait()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var harness = new OperatorHarness<string, IReadOnlyList<int>>((_, output) => new Buffer<int>(10, TimeSpan.FromSeconds(4), clock, output));

        harness.Element(1, 0);
        clock.Advance(TimeSpan.FromSeconds(2));
        harness.Element(2, 0).ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Elements.Should().BeEmpty("the first element has waited 2 s of 4");

        clock.Advance(TimeSpan.FromSeconds(2));
        harness.ProcessingTime(clock.GetUtcNow().UtcTicks);
        harness.Output.Values.Should().ContainSingle().Which.Should().Equal(1, 2);

        harness.Element(3, 0).End();
        harness.Output.Values.Select(l => l.ToArray()).Should().BeEquivalentTo(new[] { new[] { 1, 2 }, new[] { 3 } }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Streaming_WithMaxWait_EmitsAPartialListOnTheClock_WhileTheInputStaysOpen()
    {
        var clock = new FakeTimeProvider(Ev.T0);
        var channel = Channel.CreateUnbounded<int>();
        for (int i = 0; i < 3; i++) await channel.Writer.WriteAsync(i);
        var lists = new ConcurrentQueue<IReadOnlyList<int>>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(channel.Reader)).Buffer(100, TimeSpan.FromSeconds(1)).To(Sinks.Action<IReadOnlyList<int>>(lists.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { TimeProvider = clock }).Start(p.Build());

        // The clock moves in steps until the list comes out; a step taken before the elements reached the buffer
        // only starts their wait later.
        var deadline = DateTime.UtcNow + Deadline;
        while (lists.IsEmpty)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No list was emitted on the clock.");
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(5);
        }

        lists.Should().ContainSingle().Which.Should().Equal(0, 1, 2);
        channel.Writer.Complete();
        await run.Completion.WaitAsync(Deadline);
        lists.Should().ContainSingle("nothing was left to emit at the end");
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));
        stream.Invoking(s => s.Buffer(0)).Should().Throw<ArgumentOutOfRangeException>();
        stream.Invoking(s => s.Buffer(5, TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
