using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Pipelines.Diagnostics;
using Pipelines.Tests.TestSupport;
using Pipelines.Tests.Streaming.Checkpoints;

namespace Pipelines.Tests.Diagnostics;

/// <summary>The process-wide run registry and its snapshots, read the way a dashboard would: only the public surface.</summary>
public class PipelineMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed record Reading(string Key, DateTimeOffset Time, int Value);

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Waits until <paramref name="condition"/> holds (it is about something that must happen, never about something that must not).</summary>
    private static async Task<RunSnapshot> UntilAsync(MonitoredRun run, Func<RunSnapshot, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var snapshot = run.Snapshot();
            if (condition(snapshot)) return snapshot;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The condition did not hold within {Patience}; last snapshot: {Describe(snapshot)}");
            await Task.Delay(10);
        }
    }

    private static string Describe(RunSnapshot s) => string.Join("; ", s.Nodes.Select(n =>
        $"{n.Id}: in {n.ElementsIn} out {n.ElementsOut} busy {n.BusyTime} bp {n.BackpressuredTime} idle {n.IdleTime} q {n.QueuedMessages}/{n.QueueCapacity} wm {n.Watermark}"));

    private static NodeSnapshot Node(RunSnapshot snapshot, MonitoredRun run, string name) =>
        snapshot.Nodes.Single(n => n.Id == run.Nodes.Single(g => g.Name == name).Id);

    [Fact]
    public async Task GraphNodes_CarryTheOperatorsStableIds_TheUserChosenOneWhenGiven()
    {
        Pipeline Build(string name)
        {
            var p = new PipelineBuilder(name);
            p.From(Sources.Enumerable(Enumerable.Range(0, 10), "numbers")).Where(i => i % 2 == 0).Named("evens").Uid("evens-v1")
                .KeyBy(i => i % 3).Window(Windows.Global()).Count().To(Sinks.Action<WindowResult<int, long>>(_ => { }, "nowhere"));
            return p.Build();
        }

        string first = UniqueName("monitor-ids"), second = UniqueName("monitor-ids");
        await new BoundedExecutor().RunAsync(Build(first));
        await new BoundedExecutor().RunAsync(Build(second));

        var a = await MonitoredRuns.NamedAsync(first);
        var b = await MonitoredRuns.NamedAsync(second);
        a.Nodes.Should().OnlyContain(n => !string.IsNullOrEmpty(n.OperatorId));
        a.Nodes.Single(n => n.Name == "evens").OperatorId.Should().Be("evens-v1");
        a.Nodes.Select(n => n.OperatorId).Should().OnlyHaveUniqueItems().And.Equal(b.Nodes.Select(n => n.OperatorId), "the same pipeline has the same ids in every run");
    }

    [Fact]
    public async Task BoundedRun_IsListed_WithItsGraph_AndEndsCompleted_WithItsCounts()
    {
        string name = UniqueName("monitor-bounded");
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(Enumerable.Range(0, 100), "numbers")).Where(i => i % 2 == 0).Named("evens")
            .To(Sinks.Action<int>(_ => { }, "nowhere"));
        var summary = await new BoundedExecutor().RunAsync(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        run.Executor.Should().Be("bounded");
        run.State.Should().Be(RunState.Completed);
        run.EndedAt.Should().NotBeNull();
        run.Nodes.Select(n => (n.Name, n.Kind, n.Parallelism, n.Detail)).Should().Equal(
            ("Source#1", NodeKind.Source, 1, "numbers"), ("evens", NodeKind.Operator, 1, null), ("Sink#3", NodeKind.Sink, 1, "nowhere"));
        run.Nodes.Should().OnlyContain(n => !n.HasTask, "the bounded executor runs everything on the calling task");
        run.Edges.Select(e => (e.From, e.To)).Should().Equal((run.Nodes[0].Id, run.Nodes[1].Id), (run.Nodes[1].Id, run.Nodes[2].Id));

        var snapshot = run.Snapshot();
        snapshot.State.Should().Be(RunState.Completed);
        snapshot.Totals.ElementsRead.Should().Be(summary.ElementsRead).And.Be(100);
        snapshot.Totals.ResultsWritten.Should().Be(50);
        snapshot.Nodes.Select(n => (n.ElementsIn, n.ElementsOut)).Should().Equal((100L, 100L), (100L, 50L), (50L, 50L));
        PipelineMonitor.Find(run.Id).Should().BeSameAs(run);
    }

    [Fact]
    public async Task StreamingRun_ShowsKeyedStages_RisingCounters_Watermarks_AndIdleTime_WhileItRuns()
    {
        string name = UniqueName("monitor-streaming");
        var input = Channel.CreateUnbounded<Reading>();
        var p = new PipelineBuilder(name);
        p.From(Sources.Channel(input.Reader, "readings"))
            .WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1))).Named("times")
            .KeyBy(r => r.Key).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().Named("counts")
            .To(Sinks.Action<WindowResult<string, long>>(_ => { }, "results"));
        var pipelineRun = new StreamingExecutor(new StreamingOptions { Parallelism = 2, ChannelCapacity = 4 }).Start(p.Build());

        var run = await MonitoredRuns.NamedAsync(name);
        run.State.Should().Be(RunState.Running);
        run.Nodes.Select(n => (n.Name, n.Kind, n.Parallelism, n.HasTask)).Should().Equal(
            ("Source#1", NodeKind.Source, 1, true), ("times", NodeKind.Operator, 1, false), ("counts", NodeKind.Operator, 2, true), ("Sink#5", NodeKind.Sink, 1, true));
        run.Edges.Single(e => e.To == run.Nodes[2].Id).Should().Match<GraphEdge>(e => e.Channel && e.ByKey);
        run.Edges.Single(e => e.To == run.Nodes[1].Id).Should().Match<GraphEdge>(e => !e.Channel && !e.ByKey);

        for (int i = 0; i < 10; i++) await input.Writer.WriteAsync(new Reading($"k{i % 3}", T0.AddSeconds(i), i));
        var watermark = T0.AddSeconds(9) - TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1); // newest event time - bound - 1 tick
        var first = await UntilAsync(run, s => Node(s, run, "counts").ElementsIn == 10 && Node(s, run, "counts").Watermark == watermark);
        Node(first, run, "Source#1").ElementsOut.Should().Be(10);
        Node(first, run, "times").Watermark.Should().Be(watermark, "the stage's merged watermark cannot pass what the assignment emitted");
        Node(first, run, "times").WatermarkLag.Should().BePositive();
        Node(first, run, "counts").QueueCapacity.Should().Be(8, "two workers with a channel of 4 each");
        first.Totals.ElementsRead.Should().Be(10);

        // Nothing more arrives: the source and the stage wait for input, and that time is idle, not busy.
        var waiting = await UntilAsync(run, s => Node(s, run, "Source#1").IdleTime > TimeSpan.FromMilliseconds(200) && Node(s, run, "counts").IdleTime > TimeSpan.FromMilliseconds(200));
        Node(waiting, run, "Source#1").BackpressuredTime.Should().BeLessThan(Node(waiting, run, "Source#1").IdleTime);

        for (int i = 10; i < 25; i++) await input.Writer.WriteAsync(new Reading($"k{i % 3}", T0.AddSeconds(i), i));
        await UntilAsync(run, s => Node(s, run, "counts").ElementsIn == 25 && s.Totals.ElementsRead == 25);

        input.Writer.Complete();
        await pipelineRun.Completion;
        run.State.Should().Be(RunState.Completed);
        var final = run.Snapshot();
        Node(final, run, "Sink#5").ElementsIn.Should().Be(3, "one window per key");
        var uptime = final.Uptime;
        run.Snapshot().Uptime.Should().Be(uptime, "an ended run keeps the counters it ended with");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SlowSink_ShowsAsBackpressureUpstream_AndAFullQueueWhenItHasATask(bool chainSinks)
    {
        string name = UniqueName("monitor-backpressure");
        using var release = new SemaphoreSlim(0);
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(Enumerable.Range(0, 100_000), "many"))
            .To(Sinks.Action<int>(async (_, ct) => await release.WaitAsync(ct), "stuck"));
        var pipelineRun = new StreamingExecutor(new StreamingOptions { ChannelCapacity = 2, MaxBatchSize = 16, ChainSinks = chainSinks }).Start(p.Build());
        var run = await MonitoredRuns.NamedAsync(name);
        run.Nodes.Single(n => n.Name == "Sink#2").HasTask.Should().Be(!chainSinks, "a sink fed by one task runs in it when sinks are chained");
        run.Edges.Single().Channel.Should().Be(!chainSinks);

        var stuck = await UntilAsync(run, s => Node(s, run, "Source#1").BackpressuredTime > TimeSpan.FromMilliseconds(200));
        var source = Node(stuck, run, "Source#1");
        source.BackpressuredTime.Should().BeGreaterThan(source.IdleTime, "waiting for the sink's writes, or for room in its channel, is backpressure");
        var sink = Node(stuck, run, "Sink#2");
        sink.QueueCapacity.Should().Be(chainSinks ? 0 : 2, "a chained sink has no channel");
        sink.QueuedMessages.Should().Be(sink.QueueCapacity);

        await pipelineRun.StopAsync(drain: false);
        run.State.Should().Be(RunState.Cancelled);
    }

    [Fact]
    public async Task StopWithDrain_ShowsDraining_UntilTheRunEnds()
    {
        string name = UniqueName("monitor-draining");
        using var release = new SemaphoreSlim(0);
        var input = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder(name);
        p.From(Sources.Channel(input.Reader, "numbers")).To(Sinks.Action<int>(async (_, ct) => await release.WaitAsync(ct), "gate"));
        var pipelineRun = new StreamingExecutor().Start(p.Build());
        var run = await MonitoredRuns.NamedAsync(name);
        await input.Writer.WriteAsync(1);
        await UntilAsync(run, s => s.Totals.ResultsWritten == 1);

        var stopping = pipelineRun.StopAsync(drain: true);
        run.State.Should().Be(RunState.Draining);
        run.Snapshot().State.Should().Be(RunState.Draining);
        release.Release(10);
        await stopping;
        run.State.Should().Be(RunState.Completed);
    }

    [Fact]
    public async Task Checkpoints_AreListed_NewestFirst_WithTheirDuration_AndAFailedCommit()
    {
        string name = UniqueName("monitor-checkpoints");
        int attempts = 0;
        var feed = Channel.CreateBounded<int>(64);
        var source = new CommittingSource<int>(feed.Reader, failCommit: _ => Interlocked.Increment(ref attempts) == 2);
        var p = new PipelineBuilder(name);
        p.From(source).To(new FlushingSink<int>());
        var pipelineRun = new StreamingExecutor(new StreamingOptions { CheckpointInterval = TimeSpan.FromMilliseconds(20) }).Start(p.Build());
        var run = await MonitoredRuns.NamedAsync(name);

        var deadline = DateTime.UtcNow + Patience;
        for (int i = 0; source.Commits.Count < 3; i++)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Not enough checkpoints completed.");
            await feed.Writer.WriteAsync(i);
            await Task.Delay(1);
        }

        var snapshot = await UntilAsync(run, s => s.CheckpointsCompleted >= 3 && s.CheckpointsFailed == 1);
        snapshot.RecentCheckpoints.Select(c => c.Id).Should().BeInDescendingOrder().And.OnlyHaveUniqueItems();
        snapshot.RecentCheckpoints.Should().ContainSingle(c => c.Failed).Which.Error.Should().StartWith("PipelineExecutionException:").And.Contain("committing");
        snapshot.RecentCheckpoints.Single(c => c.Failed).Id.Should().Be(2, "the second commit was refused");
        snapshot.LastCompletedCheckpoint.Should().Be(snapshot.RecentCheckpoints.First(c => !c.Failed));
        snapshot.RecentCheckpoints.Should().OnlyContain(c => c.Duration > TimeSpan.Zero && c.SizeBytes == null);

        feed.Writer.Complete();
        await pipelineRun.Completion;
    }

    [Fact]
    public async Task FailedRun_EndsFailed_WithItsError()
    {
        string name = UniqueName("monitor-failed");
        var p = new PipelineBuilder(name);
        p.From(Sources.Enumerable(new[] { 1, 2, 0 })).Select(i => 10 / i).To(Sinks.Action<int>(_ => { }));
        var act = () => new StreamingExecutor().RunAsync(p.Build());
        await act.Should().ThrowAsync<PipelineExecutionException>();

        var run = await MonitoredRuns.NamedAsync(name);
        run.State.Should().Be(RunState.Failed);
        run.Error.Should().BeOfType<PipelineExecutionException>().Which.InnerException.Should().BeOfType<DivideByZeroException>();
        run.Snapshot().State.Should().Be(RunState.Failed);
    }

    [Fact]
    public async Task EndedRuns_AreKeptUpToALimit()
    {
        string prefix = UniqueName("monitor-kept");
        for (int i = 0; i < PipelineMonitor.EndedRunsKept + 3; i++)
        {
            var p = new PipelineBuilder($"{prefix}-{i}");
            p.From(Sources.Enumerable(new[] { i })).To(Sinks.Action<int>(_ => { }));
            await new BoundedExecutor().RunAsync(p.Build());
        }

        var kept = PipelineMonitor.Runs.Where(r => r.Pipeline.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        kept.Count.Should().BeLessThanOrEqualTo(PipelineMonitor.EndedRunsKept);
        kept.Should().NotContain(r => r.Pipeline == $"{prefix}-0", "the oldest ended runs go first");
        kept.Select(r => r.Id).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task TaskTime_IsOnThePipelinesMeter_ByState()
    {
        string name = UniqueName("monitor-meter");
        var measurements = new ConcurrentBag<(string State, string Operator, double Seconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Pipelines" && instrument.Name == "pipelines.task.time") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var t = new Dictionary<string, object?>();
            foreach (var tag in tags) t[tag.Key] = tag.Value;
            if (Equals(t["pipeline"], name)) measurements.Add(((string)t["state"]!, (string)t["operator"]!, value));
        });
        listener.Start();

        var input = Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder(name);
        p.From(Sources.Channel(input.Reader)).To(Sinks.Action<int>(_ => { }));
        var pipelineRun = new StreamingExecutor().Start(p.Build());
        var run = await MonitoredRuns.NamedAsync(name);
        await UntilAsync(run, s => s.Nodes[0].IdleTime > TimeSpan.FromMilliseconds(50));

        listener.RecordObservableInstruments();
        measurements.Select(m => m.State).Distinct().Should().BeEquivalentTo("busy", "backpressured", "idle");
        measurements.Select(m => m.Operator).Distinct().Should().BeEquivalentTo("Source#1", "Sink#2");
        measurements.Where(m => m.State == "idle" && m.Operator == "Source#1").Should().ContainSingle().Which.Seconds.Should().BePositive();

        input.Writer.Complete();
        await pipelineRun.Completion;
    }
}
