using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Pipelines.Tests.Connectors;

/// <summary>An exchange connects a sink and a source; a writer that derives from EventTimeSinkWriter sees event times and watermarks.</summary>
public class ExchangeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class RecordingWriter(List<(int Value, long Ticks)> written, List<DateTimeOffset> watermarks) : EventTimeSinkWriter<int>
    {
        public override void Write(ReadOnlySpan<int> items, ReadOnlySpan<long> timestamps)
        {
            for (int i = 0; i < items.Length; i++) written.Add((items[i], timestamps[i]));
        }

        public override void OnWatermark(DateTimeOffset watermark) => watermarks.Add(watermark);
    }

    private sealed class RecordingSink(List<(int Value, long Ticks)> written, List<DateTimeOffset> watermarks) : Sink<int>
    {
        public override string Name => "recording";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => new(new RecordingWriter(written, watermarks));
    }

    private sealed class CapturingExchange(Sink<int> sink, Source<int> source) : Exchange<int>
    {
        public ExchangeContext? Context { get; private set; }

        public override ExchangeEndpoints<int> Connect(ExchangeContext context)
        {
            Context = context;
            return new ExchangeEndpoints<int>(sink, source);
        }
    }

    [Fact]
    public async Task AnEventTimeSinkWriter_ReceivesEachElementsEventTimeInUtcTicks_AndTheWatermark_EndingAtMaxValue()
    {
        var written = new List<(int Value, long Ticks)>();
        var watermarks = new List<DateTimeOffset>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 }))
            .WithEventTime(i => T0.AddSeconds(i), Watermarks.Monotonic())
            .To(new RecordingSink(written, watermarks));
        await new BoundedExecutor().RunAsync(p.Build());

        written.Should().Equal((1, T0.AddSeconds(1).UtcTicks), (2, T0.AddSeconds(2).UtcTicks), (3, T0.AddSeconds(3).UtcTicks));
        watermarks.Should().NotBeEmpty().And.BeInAscendingOrder();
        watermarks[^1].Should().Be(DateTimeOffset.MaxValue);
    }

    [Fact]
    public void Through_SendsTheStreamToTheExchangesSink_AndContinuesFromItsSource_TellingItWhereItSits()
    {
        var source = Sources.Enumerable(new[] { 1, 2 });
        var p = new PipelineBuilder("totals");
        var first = new CapturingExchange(new RecordingSink([], []), Sources.Enumerable(new[] { 5 }));
        var second = new CapturingExchange(new RecordingSink([], []), Sources.Enumerable(new[] { 6 }));
        var back = p.From(source).Select(i => i * 2).Named("doubled").Through(first);
        back.Through(second).To(Sinks.Action<int>(_ => { }));
        var pipeline = p.Build();

        first.Context!.PipelineName.Should().Be("totals");
        first.Context.Index.Should().Be(0);
        first.Context.StreamName.Should().Be("doubled");
        first.Context.HasEventTime.Should().BeFalse();
        first.Context.UpstreamSources.Should().ContainSingle().Which.Should().BeSameAs(source);
        second.Context!.Index.Should().Be(1);
        pipeline.ToString().Split('\n').Count(l => l.StartsWith("Source", StringComparison.Ordinal)).Should().Be(3, "the input and the source of each exchange");
    }

    [Fact]
    public void Through_RefusesAnExchangeWhoseSourceDropsTheStreamsEventTime()
    {
        var p = new PipelineBuilder();
        var timed = p.From(Sources.Enumerable(new[] { 1 })).WithEventTime(_ => T0, Watermarks.Monotonic());
        var act = () => timed.Through(new CapturingExchange(new RecordingSink([], []), Sources.Enumerable(new[] { 1 })));
        act.Should().Throw<InvalidOperationException>().WithMessage("*without event time*");
    }

    private sealed class IdleRecordingWriter(ConcurrentQueue<string> calls) : EventTimeSinkWriter<int>
    {
        public override void Write(ReadOnlySpan<int> items, ReadOnlySpan<long> timestamps)
        {
            foreach (int item in items) calls.Enqueue($"write {item}");
        }

        public override void OnWatermark(DateTimeOffset watermark)
        {
        }

        public override void OnIdle() => calls.Enqueue("idle");
    }

    private sealed class IdleRecordingSink(ConcurrentQueue<string> calls) : Sink<int>
    {
        public override string Name => "idle-recording";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) => new(new IdleRecordingWriter(calls));
    }

    [Fact]
    public async Task AnEventTimeSinkWriter_IsToldWhenItsInputGoesIdle_AndWritesAfterwards()
    {
        var calls = new ConcurrentQueue<string>();
        var input = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(input.Reader))
            .WithEventTime(i => T0.AddSeconds(i), Watermarks.Monotonic())
            .To(new IdleRecordingSink(calls));
        var run = new StreamingExecutor(new StreamingOptions { IdleTimeout = TimeSpan.FromMilliseconds(100) }).Start(p.Build());

        await input.Writer.WriteAsync(1);
        await WaitFor(() => calls.Contains("idle"), run);
        await input.Writer.WriteAsync(2);
        await WaitFor(() => calls.Contains("write 2"), run);
        input.Writer.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        var order = calls.ToList();
        order.Should().Contain(["write 1", "write 2"]);
        order.IndexOf("write 2").Should().BeGreaterThan(order.IndexOf("idle"), "the writer learns of the idleness between the two elements");
    }

    private static async Task WaitFor(Func<bool> condition, PipelineRun run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (run.Completion.IsCompleted) await run.Completion;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The writer was not called as expected within 30 s.");
            await Task.Delay(20);
        }
    }
}
