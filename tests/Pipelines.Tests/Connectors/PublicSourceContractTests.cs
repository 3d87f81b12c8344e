using System.Text.Json;

namespace Pipelines.Tests.Connectors;

/// <summary>
/// A source written against the public contract only (<see cref="LogSource"/>) on both executors: span reading,
/// element timestamps, declared watermarks, a typed position committed after the run and a run resumed from it.
/// </summary>
public sealed class PublicSourceContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static LogEntry At(string key, int seconds) => new(key, T0.AddSeconds(seconds));

    private static Task<RunSummary> RunAsync(bool streaming, PipelineBuilder p) =>
        streaming ? new StreamingExecutor().RunAsync(p.Build()) : new BoundedExecutor().RunAsync(p.Build());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SpanReading_HandsTheLogToTheFirstOperatorInPlace(bool streaming)
    {
        var source = new LogSource(eventTime: false).Append([.. Enumerable.Range(0, 5000).Select(i => At(i % 3 == 0 ? "skip" : $"k{i}", i))]);
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(source).Where(e => e.Key != "skip").Select(e => e.Key).To(Sinks.Collection(results));

        var summary = await RunAsync(streaming, p);

        results.Should().Equal(Enumerable.Range(0, 5000).Where(i => i % 3 != 0).Select(i => $"k{i}"));
        summary.ElementsRead.Should().Be(5000);
        source.Reads.Spans.Should().BeGreaterThan(0);
        source.Reads.Plain.Should().Be(0, "a Where first reads spans in place");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Timestamps_GiveTheStreamEventTime_WithoutWithEventTime(bool streaming)
    {
        var source = new LogSource(eventTime: true).Append(At("a", 10), At("b", 20), At("a", 70), At("a", 30), At("b", 130));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(source).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(results));

        await RunAsync(streaming, p);

        results.Select(r => (r.Key, r.Window.Start, r.Value, r.Timing)).Should().BeEquivalentTo(
        [
            ("a", T0, 2L, PaneTiming.OnTime), ("b", T0, 1L, PaneTiming.OnTime),
            ("a", T0.AddMinutes(1), 1L, PaneTiming.OnTime), ("b", T0.AddMinutes(2), 1L, PaneTiming.OnTime),
        ]);
        source.Reads.WithTimestamps.Should().BeGreaterThan(0);
        source.Reads.Plain.Should().Be(0);
        source.Reads.Spans.Should().Be(0, "a reader that provides timestamps is read only through TryRead with timestamps");
    }

    [Fact]
    public async Task DeclaredWatermarks_FireWindows_AndMakeLaterElementsLate_UnderTheStreamingExecutor()
    {
        var source = new LogSource(eventTime: true)
            .Append(At("a", 10), At("a", 20)).WatermarkAfter(T0.AddMinutes(1))
            .Append(At("a", 30), At("a", 70));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(source).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(results));

        var summary = await RunAsync(streaming: true, p);

        results.Select(r => (r.Window.Start, r.Value)).Should().Equal((T0, 2L), (T0.AddMinutes(1), 1L));
        summary.LateElementsDropped.Should().Be(1, "the element at 0:30 came after the source declared the watermark 1:00");
    }

    [Fact]
    public async Task DeclaredWatermarks_AreIgnoredByTheBoundedExecutor()
    {
        var source = new LogSource(eventTime: true)
            .Append(At("a", 10), At("a", 20)).WatermarkAfter(T0.AddMinutes(1))
            .Append(At("a", 30), At("a", 70));
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        p.From(source).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Collection(results));

        var summary = await RunAsync(streaming: false, p);

        results.Select(r => (r.Window.Start, r.Value)).Should().Equal((T0, 3L), (T0.AddMinutes(1), 1L));
        summary.LateElementsDropped.Should().Be(0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TypedPosition_CommittedAfterTheRun_RoundTripsThroughJson_AndResumesTheNextRun(bool streaming)
    {
        var source = new LogSource(eventTime: false).Append(At("a", 1), At("b", 2), At("c", 3));
        var first = new List<string>();
        var p = new PipelineBuilder();
        p.From(source).Select(e => e.Key).To(Sinks.Collection(first));
        await RunAsync(streaming, p);
        first.Should().Equal("a", "b", "c");
        source.Committed.Should().Equal(new LogPosition(3));

        string stored = JsonSerializer.Serialize(source.Committed[^1]);
        source.Append(At("d", 4), At("e", 5));
        var second = new List<string>();
        p = new PipelineBuilder();
        p.From(source.ResumeFrom(JsonSerializer.Deserialize<LogPosition>(stored)!)).Select(e => e.Key).To(Sinks.Collection(second));
        var summary = await RunAsync(streaming, p);

        second.Should().Equal("d", "e");
        summary.ElementsRead.Should().Be(2);
        source.Committed.Should().Equal(new LogPosition(3), new LogPosition(5));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASourceDeclaringEventTime_WhoseReaderGivesNoTimestamps_FailsNamingTheSource(bool streaming)
    {
        var p = new PipelineBuilder();
        p.From(new EventTimeWithoutTimestamps()).To(Sinks.Action<int>(_ => { }));

        var act = () => RunAsync(streaming, p);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should()
            .Contain("no-timestamps").And.Contain("ProvidesTimestamps");
    }

    private sealed class EventTimeWithoutTimestamps : Source<int>
    {
        public override string Name => "no-timestamps";

        public override bool IsBounded => true;

        public override bool ProvidesEventTime => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader());

        private sealed class Reader : SourceReader<int>
        {
            public override int TryRead(Span<int> destination) => 0;

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(false);
        }
    }
}
