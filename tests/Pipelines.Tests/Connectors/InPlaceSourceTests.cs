namespace Pipelines.Tests.Connectors;

/// <summary>
/// Arrays and lists are read in place by a first Where, Select or WithEventTime (no copy into a batch): the
/// results equal those of the same elements read through an enumerator, and the user's collection is never changed.
/// </summary>
public class InPlaceSourceTests
{
    private static readonly int[] Source = Enumerable.Range(0, 2_500).Select(i => (i * 7919) % 1000).ToArray();

    private static IEnumerable<int> Enumerated() => Source.Select(x => x);

    public static TheoryData<bool, int> Runs() => new() { { false, 1024 }, { false, 7 }, { true, 1024 }, { true, 7 } };

    private static async Task<List<T>> RunAsync<T>(bool streaming, int batchSize, Action<PipelineBuilder, ICollection<T>> define)
    {
        var results = new List<T>();
        var p = new PipelineBuilder();
        define(p, results);
        var pipeline = p.Build();
        if (streaming) await new StreamingExecutor(new StreamingOptions { MaxBatchSize = batchSize, Parallelism = 1 }).RunAsync(pipeline);
        else await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(pipeline);
        return results;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task WhereAndWhereSelect_OverAnArray_MatchTheEnumeratedInput_AndLeaveTheArrayUnchanged(bool streaming, int batchSize)
    {
        int[] before = [.. Source];

        var inPlace = await RunAsync<int>(streaming, batchSize, (p, r) => p.From(Sources.Enumerable(Source)).Where(x => x % 3 == 0).To(Sinks.Collection(r)));
        var fused = await RunAsync<long>(streaming, batchSize, (p, r) => p.From(Sources.Enumerable(Source)).Where(x => x % 3 == 0).Select(x => x * 2L).To(Sinks.Collection(r)));
        var enumerated = await RunAsync<int>(streaming, batchSize, (p, r) => p.From(Sources.Enumerable(Enumerated())).Where(x => x % 3 == 0).To(Sinks.Collection(r)));

        inPlace.Should().Equal(enumerated);
        fused.Should().Equal(enumerated.Select(x => x * 2L));
        Source.Should().Equal(before);
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task WindowOverAList_ReadInPlace_CountsEveryElement_AndLeavesTheListUnchanged(bool streaming, int batchSize)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var list = Source.Select((k, i) => (Key: k % 10, Time: start.AddMilliseconds(i))).ToList();
        var before = list.ToList();

        var counts = await RunAsync<WindowResult<int, long>>(streaming, batchSize, (p, r) => p.From(Sources.Enumerable(list))
            .WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Count()
            .To(Sinks.Collection(r)));

        var finals = counts.GroupBy(c => (c.Key, c.Window)).Select(g => g.Last());
        finals.Sum(c => c.Value).Should().Be(list.Count);
        finals.Should().HaveCount(list.GroupBy(e => (e.Key, e.Time.ToUnixTimeMilliseconds() / 1000)).Count());
        list.Should().Equal(before);
    }

    [Fact]
    public async Task Skip_ThrowingSelectOverAnArray_DropsOnlyTheFailingElements()
    {
        var results = new List<int>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(Source)).Select(x => x % 100 == 0 ? throw new InvalidOperationException("bad") : x).To(Sinks.Collection(results));

        var summary = await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 64 }).RunAsync(p.Build());

        results.Should().Equal(Source.Where(x => x % 100 != 0));
        summary.ElementsSkipped.Should().Be(Source.Count(x => x % 100 == 0));
        summary.ElementsRead.Should().Be(Source.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Skip_ThrowingEventTimeOverAnArray_CountsTheRestInTheirWindows(bool streaming)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = Source.Select((k, i) => (Key: k % 4, Time: start.AddMilliseconds(i))).ToArray();
        static bool Bad((int Key, DateTimeOffset Time) e) => e.Time.Millisecond % 97 == 0;

        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input))
            .WithEventTime(e => Bad(e) ? throw new InvalidOperationException("no time") : e.Time, Watermarks.Monotonic())
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Count()
            .To(Sinks.Collection(results));
        var pipeline = p.Build();
        var summary = streaming
            ? await new StreamingExecutor(new StreamingOptions { MaxBatchSize = 50, Parallelism = 1 }).RunAsync(pipeline)
            : await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 50 }).RunAsync(pipeline);

        var expected = input.Where(e => !Bad(e)).GroupBy(e => (e.Key, Second: e.Time.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => (long)g.Count());
        var finals = results.GroupBy(r => (r.Key, Second: r.Window.Start.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => g.Last().Value);
        finals.Should().BeEquivalentTo(expected);
        summary.ElementsSkipped.Should().Be(input.Count(Bad));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DeadLetter_WhereThenSelect_FailuresOfBothFunctionsArriveInElementOrder(bool inPlace)
    {
        int[] input = [.. Enumerable.Range(0, 40)];
        static bool Keep(int x) => x % 5 == 0 ? throw new InvalidOperationException("predicate") : x % 2 == 0;
        static int Project(int x) => x % 3 == 0 ? throw new InvalidOperationException("selector") : x * 10;

        var results = new List<int>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
        p.From(inPlace ? Sources.Enumerable(input) : Sources.Enumerable(input.Select(x => x))).Where(Keep).Select(Project).To(Sinks.Collection(results));
        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build());

        var failing = input.Where(x => x % 5 == 0 || (x % 2 == 0 && x % 3 == 0)).ToList();
        dead.Select(d => (int)d.Element!).Should().Equal(failing);
        dead.Select(d => d.Exception.Message).Should().Equal(failing.Select(x => x % 5 == 0 ? "predicate" : "selector"));
        results.Should().Equal(input.Where(x => x % 5 != 0 && x % 2 == 0 && x % 3 != 0).Select(x => x * 10));
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task EventTimeThenWhereSelect_OverAnArray_KeepTheirTimes_AndSkipOnlyElementsWithoutOne(bool streaming, int batchSize)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = Source.Select((k, i) => (Key: k % 4, Value: k, Time: start.AddMilliseconds(7 * i))).ToArray();
        var before = input.ToArray();
        static bool NoTime((int Key, int Value, DateTimeOffset Time) e) => e.Value % 89 == 0;

        // WithEventTime times the array in place and hands it to Where+Select with the times; a window after the
        // projection shows every kept element arrived with its own time.
        var results = await RunAsync<WindowResult<int, long>>(streaming, batchSize, (p, r) => p.OnError(ErrorPolicy.Skip)
            .From(Sources.Enumerable(input))
            .WithEventTime(e => NoTime(e) ? throw new InvalidOperationException("no time") : e.Time, Watermarks.Monotonic())
            .Where(e => e.Value % 3 != 0)
            .Select(e => (e.Key, e.Value))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Aggregate(Aggregations.Sum<(int Key, int Value), long>(e => e.Value))
            .To(Sinks.Collection(r)));

        var expected = input.Where(e => !NoTime(e) && e.Value % 3 != 0)
            .GroupBy(e => (e.Key, Second: e.Time.ToUnixTimeSeconds()))
            .ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Value));
        var finals = results.GroupBy(w => (w.Key, Second: w.Window.Start.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => g.Last().Value);
        finals.Should().BeEquivalentTo(expected);
        input.Should().Equal(before);
    }

    /// <summary>
    /// The keyed stage after <c>WithEventTime</c> reads the array in place too (the bounded executor hands it the
    /// span the source timed): a key selector failing for some elements dead-letters exactly those, with their
    /// times, in element order, and the rest count as they do when read through an enumerator.
    /// </summary>
    [Theory]
    [InlineData(7)]
    [InlineData(1024)]
    public async Task DeadLetter_KeySelectorFailingInAWindowReadInPlace_ReportsOnlyThoseElements_WithTheirTimes(int batchSize)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = Source.Select((k, i) => (Key: k % 5, Value: k, Time: start.AddMilliseconds(3 * i))).ToArray();
        static int KeyOf((int Key, int Value, DateTimeOffset Time) e) => e.Value % 101 == 0 ? throw new InvalidOperationException("no key") : e.Key;

        async Task<(List<WindowResult<int, long>> Results, List<DeadLetter> Dead)> Run(IEnumerable<(int Key, int Value, DateTimeOffset Time)> source)
        {
            var results = new List<WindowResult<int, long>>();
            var dead = new List<DeadLetter>();
            var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(Sinks.Collection(dead));
            p.From(Sources.Enumerable(source))
                .WithEventTime(e => e.Time, Watermarks.Monotonic())
                .KeyBy(KeyOf)
                .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
                .Count()
                .To(Sinks.Collection(results));
            await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(p.Build());
            return (results, dead);
        }

        var inPlace = await Run(input);
        var enumerated = await Run(input.Select(e => e));

        var failing = input.Where(e => e.Value % 101 == 0).ToList();
        inPlace.Dead.Select(d => ((int, int, DateTimeOffset))d.Element!).Should().Equal(failing);
        inPlace.Dead.Select(d => d.Timestamp).Should().Equal(failing.Select(e => (DateTimeOffset?)e.Time));
        inPlace.Results.Should().BeEquivalentTo(enumerated.Results, o => o.WithStrictOrdering());
        inPlace.Results.Sum(r => r.Value).Should().Be(input.Length - failing.Count);
    }

    /// <summary>A keyed stage right after the source (no event time) reads the array in place, with the same results.</summary>
    [Theory]
    [InlineData(7)]
    [InlineData(1024)]
    public async Task KeyedStageRightAfterTheSource_ReadsTheArrayInPlace_WithTheEnumeratedResults(int batchSize)
    {
        async Task<List<long>> Run(IEnumerable<int> source)
        {
            var results = new List<long>();
            var p = new PipelineBuilder();
            p.From(Sources.Enumerable(source)).KeyBy(x => x % 7).Scan(0L, (sum, x) => sum + x).To(Sinks.Collection(results));
            await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(p.Build());
            return results;
        }

        var inPlace = await Run(Source);
        inPlace.Should().Equal(await Run(Source.Select(x => x)));
        inPlace.Should().HaveCount(Source.Length);
    }
}
