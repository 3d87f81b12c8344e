namespace Pipelines.Tests.Contract;

/// <summary>
/// The contract every executor keeps: the same pipeline gives the same final results. Each derived class runs
/// these tests on one executor configuration; results are compared as final panes per (key, window).
/// </summary>
public abstract class ExecutorContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<RunSummary> RunAsync(Pipeline pipeline);

    public sealed record Reading(string Sensor, double Value, DateTimeOffset Time)
    {
        public override string ToString() => $"{Sensor}={Value}@{Time:HH:mm:ss.fff}";
    }

    private static List<Reading> Readings(int count, int sensors = 3, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => new Reading("s" + random.Next(sensors), random.Next(0, 100), T0.AddMilliseconds(i * 250 + random.Next(0, 1500))))
            .ToList();
    }

    private static PipelineBuilder Builder(out DataStream<Reading> stream, IEnumerable<Reading> readings)
    {
        var builder = new PipelineBuilder();
        stream = builder.From(Sources.Enumerable(readings)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        return builder;
    }

    /// <summary>The last pane of each (key, window): the final result.</summary>
    protected static Dictionary<(TKey, Window), TValue> Final<TKey, TValue>(IEnumerable<WindowResult<TKey, TValue>> results)
        where TKey : notnull
        => results.GroupBy(r => (r.Key, r.Window)).ToDictionary(g => g.Key, g => g.MaxBy(r => r.PaneIndex).Value);

    [Fact]
    public async Task WhereSelect_KeepsOrderAndValues()
    {
        var readings = Readings(1000);
        var output = new List<string>();
        var p = Builder(out var stream, readings);
        stream.Where(r => r.Value >= 50).Select(r => r.Sensor + ":" + r.Value).To(Sinks.Collection(output));
        await RunAsync(p.Build());
        output.Should().Equal(readings.Where(r => r.Value >= 50).Select(r => r.Sensor + ":" + r.Value));
    }

    [Fact]
    public async Task SelectMany_EmitsEveryItem()
    {
        var readings = Readings(200);
        var output = new List<int>();
        var p = Builder(out var stream, readings);
        stream.SelectMany(r => Enumerable.Range(0, (int)r.Value % 4)).To(Sinks.Collection(output));
        await RunAsync(p.Build());
        output.Should().Equal(readings.SelectMany(r => Enumerable.Range(0, (int)r.Value % 4)));
    }

    [Fact]
    public async Task TumblingSum_MatchesLinqGrouping()
    {
        var readings = Readings(2000);
        var results = new List<WindowResult<string, double>>();
        var p = Builder(out var stream, readings);
        stream.KeyBy(r => r.Sensor).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Sum(r => r.Value).To(Sinks.Collection(results));
        var summary = await RunAsync(p.Build());

        static DateTimeOffset WindowStart(DateTimeOffset t) => t.AddTicks(-((t - DateTimeOffset.UnixEpoch).Ticks % (10 * TimeSpan.TicksPerSecond)));
        var expected = readings.GroupBy(r => (r.Sensor, Start: WindowStart(r.Time)))
            .ToDictionary(g => (g.Key.Sensor, new Window(g.Key.Start, g.Key.Start.AddSeconds(10))), g => g.Sum(r => r.Value));
        Final(results).Should().BeEquivalentTo(expected);
        summary.ElementsRead.Should().Be(readings.Count);
        summary.LateElementsDropped.Should().Be(0);
    }

    [Fact]
    public async Task SlidingCount_CountsEachElementInSizeOverSlideWindows()
    {
        var readings = Readings(500);
        var results = new List<WindowResult<string, long>>();
        var p = Builder(out var stream, readings);
        stream.KeyBy(r => r.Sensor).Window(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5))).Count().To(Sinks.Collection(results));
        await RunAsync(p.Build());
        Final(results).Values.Sum().Should().Be(readings.Count * 2);
    }

    [Fact]
    public async Task SessionCount_MatchesGapSplitting()
    {
        var readings = Readings(400, sensors: 2);
        var results = new List<WindowResult<string, long>>();
        var p = Builder(out var stream, readings);
        stream.KeyBy(r => r.Sensor).Window(Windows.Session(TimeSpan.FromSeconds(1))).Count().To(Sinks.Collection(results));
        await RunAsync(p.Build());

        var expected = new Dictionary<(string, Window), long>();
        foreach (var group in readings.GroupBy(r => r.Sensor))
        {
            var times = group.Select(r => r.Time).Order().ToList();
            int start = 0;
            for (int i = 1; i <= times.Count; i++)
            {
                if (i == times.Count || times[i] - times[i - 1] >= TimeSpan.FromSeconds(1))
                {
                    expected[(group.Key, new Window(times[start], times[i - 1].AddSeconds(1)))] = i - start;
                    start = i;
                }
            }
        }

        Final(results).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Union_MergesBothInputs()
    {
        var left = Readings(300, seed: 1);
        var right = Readings(300, seed: 2);
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder();
        var a = p.From(Sources.Enumerable(left)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        var b = p.From(Sources.Enumerable(right)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        a.Union(b).KeyBy(r => r.Sensor).Window(Windows.Tumbling(TimeSpan.FromSeconds(30))).Count().To(Sinks.Collection(results));
        await RunAsync(p.Build());
        Final(results).Values.Sum().Should().Be(600);
    }

    [Fact]
    public async Task WindowJoin_PairsSameKeySameWindow()
    {
        var left = Readings(100, seed: 3);
        var right = Readings(100, seed: 4);
        var output = new List<(double, double)>();
        var p = new PipelineBuilder();
        var a = p.From(Sources.Enumerable(left)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2))).KeyBy(r => r.Sensor);
        var b = p.From(Sources.Enumerable(right)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2))).KeyBy(r => r.Sensor);
        a.Join(b, Windows.Tumbling(TimeSpan.FromSeconds(5)), (l, r) => (l.Value, r.Value)).To(Sinks.Collection(output));
        await RunAsync(p.Build());

        static long Bucket(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / (5 * TimeSpan.TicksPerSecond);
        var expected = from l in left
                       join r in right on (l.Sensor, Bucket(l.Time)) equals (r.Sensor, Bucket(r.Time))
                       select (l.Value, r.Value);
        output.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task IntervalJoin_PairsWithinBoundsInclusive()
    {
        var left = Readings(150, seed: 5);
        var right = Readings(150, seed: 6);
        var output = new List<(DateTimeOffset, DateTimeOffset)>();
        var p = new PipelineBuilder();
        var a = p.From(Sources.Enumerable(left)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2))).KeyBy(r => r.Sensor);
        var b = p.From(Sources.Enumerable(right)).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2))).KeyBy(r => r.Sensor);
        a.IntervalJoin(b, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(2), (l, r) => (l.Time, r.Time)).To(Sinks.Collection(output));
        await RunAsync(p.Build());

        var expected = from l in left
                       from r in right
                       where l.Sensor == r.Sensor && r.Time >= l.Time.AddSeconds(-1) && r.Time <= l.Time.AddSeconds(2)
                       select (l.Time, r.Time);
        output.Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task FailPolicy_FailsNamingOperatorAndElement()
    {
        var readings = Readings(100);
        var p = Builder(out var stream, readings);
        stream.Select(r => r.Value > 90 ? throw new FormatException("bad reading") : r.Value).Named("parse").To(Sinks.Action<double>(_ => { }));
        var act = () => RunAsync(p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("'parse'").And.Contain("bad reading");
        failure.Operator.Should().Be("parse");
        failure.Element.Should().BeOfType<Reading>().Which.Value.Should().BeGreaterThan(90);
        failure.InnerException.Should().BeOfType<FormatException>();
    }

    [Fact]
    public async Task SkipPolicy_SkipsAndCounts()
    {
        var readings = Readings(500);
        var output = new List<double>();
        var p = Builder(out var stream, readings);
        p.OnError(ErrorPolicy.Skip);
        stream.Select(r => r.Value > 90 ? throw new FormatException("bad") : r.Value).To(Sinks.Collection(output));
        var summary = await RunAsync(p.Build());
        output.Should().Equal(readings.Where(r => r.Value <= 90).Select(r => r.Value));
        summary.ElementsSkipped.Should().Be(readings.Count(r => r.Value > 90));
    }

    [Fact]
    public async Task DeadLetterPolicy_SendsElementAndExceptionToDeadLetterSink()
    {
        var readings = Readings(500);
        var output = new List<WindowResult<string, long>>();
        var dead = new List<DeadLetter>();
        var p = Builder(out var stream, readings);
        p.WithDeadLetterSink(Sinks.Collection(dead));
        stream.KeyBy(r => r.Value > 95 ? throw new KeyNotFoundException("no sensor") : r.Sensor)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(10)))
            .Count()
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(output));
        var summary = await RunAsync(p.Build());
        int bad = readings.Count(r => r.Value > 95);
        dead.Should().HaveCount(bad).And.OnlyContain(d => d.Exception is KeyNotFoundException && d.Operator.StartsWith("Window", StringComparison.Ordinal));
        dead.Select(d => d.Element).Should().BeEquivalentTo(readings.Where(r => r.Value > 95));
        summary.ElementsDeadLettered.Should().Be(bad);
        Final(output).Values.Sum().Should().Be(readings.Count - bad);
    }

    [Fact]
    public async Task ThrowingSinkAction_FailsNamingSinkAndElement()
    {
        var readings = Readings(50);
        var p = Builder(out var stream, readings);
        stream.Select(r => r.Value).To(Sinks.Action<double>(v => { if (v > 90) throw new IOException("disk full"); }, "report"));
        var act = () => RunAsync(p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("report").And.Contain("disk full");
        failure.InnerException.Should().BeOfType<IOException>();
    }

    [Fact]
    public async Task ThrowingSource_FailsNamingSource()
    {
        static async IAsyncEnumerable<int> Broken()
        {
            yield return 1;
            await Task.Yield();
            throw new InvalidDataException("corrupt input");
        }

        var p = new PipelineBuilder();
        p.From(Sources.AsyncEnumerable(Broken(), "orders-feed", isBounded: true)).To(Sinks.Action<int>(_ => { }));
        var act = () => RunAsync(p.Build());
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("orders-feed").And.Contain("corrupt input");
    }

    [Fact]
    public async Task FanOut_OneStreamFeedsTwoSinks()
    {
        var readings = Readings(300);
        var all = new List<Reading>();
        var high = new List<Reading>();
        var p = Builder(out var stream, readings);
        stream.To(Sinks.Collection(all));
        stream.Where(r => r.Value > 50).To(Sinks.Collection(high));
        await RunAsync(p.Build());
        all.Should().Equal(readings);
        high.Should().Equal(readings.Where(r => r.Value > 50));
    }
}

public sealed class BoundedExecutorContractTests : ExecutorContractTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) => new BoundedExecutor().RunAsync(pipeline);
}

public sealed class BoundedSmallBatchContractTests : ExecutorContractTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 3 }).RunAsync(pipeline);
}

public sealed class StreamingOneWorkerContractTests : ExecutorContractTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) =>
        new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(60));
}

public sealed class StreamingParallelSmallChannelsContractTests : ExecutorContractTests
{
    protected override Task<RunSummary> RunAsync(Pipeline pipeline) =>
        new StreamingExecutor(new StreamingOptions { Parallelism = 3, ChannelCapacity = 1, MaxBatchSize = 7, IdleTimeout = Timeout.InfiniteTimeSpan })
            .RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(60));
}
