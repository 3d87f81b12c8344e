using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Pipelines.Testing;

namespace Pipelines.Tests.Diagnostics;

/// <summary>Metrics, traces, logs and progress, read the way an application would (MeterListener, ActivityListener, ILogger, IProgress).</summary>
[Collection(nameof(TelemetryTests))]
public class TelemetryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _pipeline;

        public Recorder(string pipeline)
        {
            _pipeline = pipeline;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Pipelines") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            _listener.Start();
        }

        public ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = [];

        public void Collect() => _listener.RecordObservableInstruments();

        public double Sum(string instrument, Func<Dictionary<string, object?>, bool>? where = null) =>
            Measurements.Where(m => m.Instrument == instrument && (where?.Invoke(m.Tags) ?? true)).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags) dictionary[tag.Key] = tag.Value;
            if (Equals(dictionary.GetValueOrDefault("pipeline"), _pipeline)) Measurements.Add((instrument.Name, value, dictionary));
        }
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }

    [Fact]
    public async Task Counters_CountElementsPerOperator_LateDrops_AndPanesByTiming()
    {
        using var recorder = new Recorder("telemetry-counters");
        var script = new TestStream<string>()
            .Add(T0.AddSeconds(1), "a", "b", "a")
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(2), "a")
            .AdvanceWatermarkTo(T0.AddMinutes(5))
            .Add(T0.AddSeconds(3), "b");
        var p = new PipelineBuilder("telemetry-counters");
        p.From(script).Where(s => s != "z").Named("filter")
            .KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).AllowedLateness(TimeSpan.FromMinutes(2)).Count().Named("counts")
            .To(Sinks.Action<WindowResult<string, long>>(_ => { }));
        await new StreamingExecutor(new StreamingOptions { Parallelism = 2, TimeProvider = script.Clock }).RunAsync(p.Build());

        recorder.Sum("pipelines.elements.in", t => Equals(t["operator"], script.Name)).Should().Be(5);
        recorder.Sum("pipelines.elements.out", t => Equals(t["operator"], "filter")).Should().Be(5);
        recorder.Sum("pipelines.elements.in", t => Equals(t["operator"], "counts")).Should().Be(5, "both workers together receive every element");
        recorder.Sum("pipelines.elements.late_dropped", t => Equals(t["operator"], "counts")).Should().Be(1);
        recorder.Sum("pipelines.panes", t => Equals(t["timing"], "on_time")).Should().Be(2);
        recorder.Sum("pipelines.panes", t => Equals(t["timing"], "late")).Should().Be(1);
        recorder.Measurements.Should().Contain(m => m.Instrument == "pipelines.batch.duration");
    }

    /// <summary>
    /// A window result is counted where it is emitted and recorded once per input batch, watermark or tick, so a
    /// metrics exporter is called a few times for thousands of results, not once for each: with one callback per
    /// result, collecting the metrics cost a windowed run with many small windows nearly half its speed.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Panes_AreRecordedOncePerWatermarkOrBatch_NotOncePerResult(bool streaming)
    {
        string name = streaming ? "telemetry-panes-streaming" : "telemetry-panes-bounded";
        using var recorder = new Recorder(name);
        var input = Enumerable.Range(0, 4_000).Select(i => (Key: i % 2_000, Time: T0.AddSeconds(i / 2_000 * 60))).ToList();
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().Named("counts")
            .To(Sinks.Action<WindowResult<int, long>>(_ => { }));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        var panes = recorder.Measurements.Where(m => m.Instrument == "pipelines.panes").ToList();
        panes.Sum(m => m.Value).Should().Be(4_000, "every (key, window) has one on-time result");
        panes.Should().OnlyContain(m => Equals(m.Tags["timing"], "on_time") && Equals(m.Tags["operator"], "counts"));
        panes.Count.Should().BeLessThan(100, "the results are recorded in a few measurements, not one each");
    }

    [Fact]
    public async Task Gauges_ReportWatermarkLagAndChannelOccupancy_WhileRunning()
    {
        using var recorder = new Recorder("telemetry-gauges");
        var feed = System.Threading.Channels.Channel.CreateUnbounded<DateTimeOffset>();
        var p = new PipelineBuilder("telemetry-gauges");
        p.From(Sources.Channel(feed.Reader)).WithEventTime(t => t, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
            .KeyBy(_ => 1).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<int, long>>(_ => { }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).Start(p.Build());
        feed.Writer.TryWrite(T0.AddSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!recorder.Measurements.Any(m => m.Instrument == "pipelines.watermark") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
            recorder.Collect();
        }

        recorder.Measurements.Should().Contain(m => m.Instrument == "pipelines.watermark" && m.Value == (long)(T0.AddSeconds(29) - DateTimeOffset.UnixEpoch).TotalMilliseconds - 1);
        recorder.Measurements.Should().Contain(m => m.Instrument == "pipelines.watermark.lag" && m.Value > 0);
        recorder.Measurements.Should().Contain(m => m.Instrument == "pipelines.channel.occupancy");
        feed.Writer.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Run_IsTracedAndLogged_AndLateDropsAreLoggedOnce()
    {
        var activities = new ConcurrentBag<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Pipelines",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(activityListener);
        var logger = new ListLogger();
        var script = new TestStream<string>().Add(T0, "a").AdvanceWatermarkTo(T0.AddHours(1)).Add(T0, "a", "a", "a");
        var p = new PipelineBuilder("telemetry-trace");
        p.From(script).KeyBy(s => s).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().To(Sinks.Action<WindowResult<string, long>>(_ => { }));
        await new StreamingExecutor(new StreamingOptions { TimeProvider = script.Clock, Logger = logger }).RunAsync(p.Build());

        activities.Should().Contain(a => a.OperationName == "pipeline.run" && Equals(a.GetTagItem("pipeline"), "telemetry-trace") && a.Status == ActivityStatusCode.Ok);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Information && e.Message.Contains("telemetry-trace started"));
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Information && e.Message.Contains("3 late dropped"));
        logger.Entries.Count(e => e.Level == LogLevel.Warning).Should().Be(1, "late drops are logged at most once per interval");
    }

    [Fact]
    public async Task BoundedProgress_ReportsElementsAndFractionPerSource()
    {
        var reports = new List<RunProgress>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 10_000).ToArray(), "numbers")).To(Sinks.Action<int>(_ => { }));
        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 100, Progress = new SynchronousProgress(reports), ProgressInterval = TimeSpan.Zero }).RunAsync(p.Build());

        reports.Should().HaveCountGreaterThan(10);
        reports.Select(r => r.ElementsRead).Should().BeInAscendingOrder();
        reports[^1].ElementsRead.Should().Be(10_000);
        reports[^1].Fraction.Should().Be(1.0);
        reports[^1].Sources.Should().ContainSingle().Which.Should().Be(new SourceProgress("numbers", 10_000, 1.0, true));
        reports.Select(r => r.Sources[0].Fraction!.Value).Should().BeInAscendingOrder().And.Contain(f => f > 0 && f < 1);
    }

    private sealed class SynchronousProgress(List<RunProgress> reports) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => reports.Add(value);
    }
}
