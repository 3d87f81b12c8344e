using Pipelines.Aggregation;
using Pipelines.Operators;
using Pipelines.Testing;
using Pipelines.Windowing;

namespace Pipelines.Tests.Windowing;

/// <summary>
/// Overlapping sliding windows with a built-in order-free aggregate are aggregated by slices
/// (<see cref="SlicedWindowAggregate{TIn,TKey,TAcc,TOut}"/>): each run here is compared with the same pipeline whose
/// aggregate is the user's own (which takes the general window operator) — results in the same order, the same late
/// elements, the same skipped ones — over disordered input with late elements, several window shapes and both executors.
/// The input is a script (<see cref="TestStream{T}"/>) whose watermark moves every 64 elements, so which elements are
/// late is the same in every run.
/// </summary>
public class SlicedSlidingWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record E(string Key, DateTimeOffset Time, long Value);

    /// <summary>
    /// Time goes on 100 ms per element; most elements are up to 300 ms early, one in eight up to 20 s, one in forty up
    /// to 90 s. The watermark allows 1 s, so some elements are late for some or all of their windows.
    /// </summary>
    private static E[] Input(int seed, int count = 4_000)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable.Range(0, count).Select(i => new E(
                random.Next(10) == 0 ? $"rare-{i}" : $"k{random.Next(7)}",
                T0.AddMilliseconds(i * 100 - random.Next(random.Next(40) == 0 ? 90_000 : random.Next(8) == 0 ? 20_000 : 300)),
                random.Next(-50, 1_000))),
        ];
    }

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 10, 2, 0 },   // five windows per element, slices of one slide
        { 10, 4, 0 },   // slices of 2 s (the gcd): windows of five slices, three per element
        { 9, 6, 1 },    // slices of 3 s with an offset of 1 s
        { 60, 1, 0 },   // sixty windows per element
    };

    private static async Task<(List<WindowResult<string, TOut>> Results, List<E> Late, RunSummary Summary)> RunAsync<TAcc, TOut>(
        E[] input, int sizeSeconds, int slideSeconds, int offsetSeconds, IAggregator<E, TAcc, TOut> aggregator, int? parallelism, bool lateOutput = true, ErrorPolicy policy = ErrorPolicy.Fail)
    {
        // The arrival order of the input, with the watermark 1 s behind the largest time seen after every 64 elements.
        var script = new TestStream<E>();
        foreach (var chunk in input.Chunk(64))
        {
            script.Add(e => e.Time, chunk).AdvanceWatermarkTo(input.TakeWhile(e => e != chunk[^1]).Append(chunk[^1]).Max(e => e.Time).AddSeconds(-1));
        }

        var results = new List<WindowResult<string, TOut>>();
        var late = new List<E>();
        var p = new PipelineBuilder().OnError(policy);
        var windows = p.From(script)
            .KeyBy(e => e.Key)
            .Window(Windows.Sliding(TimeSpan.FromSeconds(sizeSeconds), TimeSpan.FromSeconds(slideSeconds), TimeSpan.FromSeconds(offsetSeconds)))
            .Aggregate(aggregator);
        windows.To(Sinks.Collection(results));
        if (lateOutput) windows.LateElements().To(Sinks.Collection(late));
        var pipeline = p.Build();
        var summary = parallelism is { } n
            ? await new StreamingExecutor(new StreamingOptions { Parallelism = n, TimeProvider = script.Clock, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(pipeline)
            : await new BoundedExecutor().RunAsync(pipeline);
        return (results, late, summary);
    }

    private static async Task SameAsGeneralAsync<TAcc, TOut, TUserAcc>(
        int seed, int size, int slide, int offset, IAggregator<E, TAcc, TOut> builtIn, IAggregator<E, TUserAcc, TOut> user, int? parallelism, bool lateOutput = true, ErrorPolicy policy = ErrorPolicy.Fail)
    {
        SlicedWindowAggregate<E, string, TAcc, TOut>.Applies(Windows.Sliding(TimeSpan.FromSeconds(size), TimeSpan.FromSeconds(slide)), TriggerSpec.Default, builtIn)
            .Should().BeTrue("the built-in aggregate takes the sliced operator");
        SlicedWindowAggregate<E, string, TUserAcc, TOut>.Applies(Windows.Sliding(TimeSpan.FromSeconds(size), TimeSpan.FromSeconds(slide)), TriggerSpec.Default, user)
            .Should().BeFalse("the user's aggregate takes the general operator");

        var input = Input(seed);
        var general = await RunAsync(input, size, slide, offset, user, parallelism, lateOutput, policy);
        var sliced = await RunAsync(input, size, slide, offset, builtIn, parallelism, lateOutput, policy);

        general.Results.Should().NotBeEmpty();
        if (parallelism is null or 1)
        {
            sliced.Results.Should().Equal(general.Results, "seed {0}", seed);
            sliced.Late.Should().Equal(general.Late);
        }
        else
        {
            // Workers interleave their results: compared in one order (sorting is n log n; an unordered equivalence
            // check of tens of thousands of results is quadratic).
            static List<WindowResult<string, TOut>> Sorted(List<WindowResult<string, TOut>> results) =>
                [.. results.OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Window.Start).ThenBy(r => r.ToString(), StringComparer.Ordinal)];
            static List<E> SortedLate(List<E> late) => [.. late.OrderBy(e => e.Time).ThenBy(e => e.Key, StringComparer.Ordinal).ThenBy(e => e.Value)];
            Sorted(sliced.Results).Should().Equal(Sorted(general.Results), "seed {0}", seed);
            SortedLate(sliced.Late).Should().Equal(SortedLate(general.Late));
        }

        sliced.Summary.LateElementsDropped.Should().Be(general.Summary.LateElementsDropped);
        sliced.Summary.ElementsSkipped.Should().Be(general.Summary.ElementsSkipped);
        if (parallelism is not null)
        {
            // The bounded executor sends the watermark at the end of input only: nothing is late there.
            (general.Late.Count + general.Summary.LateElementsDropped).Should().BeGreaterThan(0, "the input has late elements (seed {0})", seed);
        }
    }

    public static TheoryData<int, int, int, int?> ShapesAndExecutors()
    {
        var data = new TheoryData<int, int, int, int?>();
        foreach (var shape in Shapes())
        {
            foreach (int? parallelism in new int?[] { null, 1, 3 }) data.Add((int)shape[0], (int)shape[1], (int)shape[2], parallelism);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndExecutors))]
    public Task Count_EqualsTheGeneralOperator(int size, int slide, int offset, int? parallelism) =>
        SameAsGeneralAsync(seed: size * 31 + slide, size, slide, offset, Aggregations.Count<E>(), new UserSum(_ => 1), parallelism);

    [Theory]
    [MemberData(nameof(ShapesAndExecutors))]
    public Task Sum_EqualsTheGeneralOperator_WithoutALateOutput(int size, int slide, int offset, int? parallelism) =>
        SameAsGeneralAsync(seed: size * 17 + slide, size, slide, offset, Aggregations.Sum<E, long>(e => e.Value), new UserSum(e => e.Value), parallelism, lateOutput: false);

    [Theory]
    [MemberData(nameof(ShapesAndExecutors))]
    public Task Max_EqualsTheGeneralOperator(int size, int slide, int offset, int? parallelism) =>
        SameAsGeneralAsync(seed: size * 7 + slide, size, slide, offset, Aggregations.Max<E, long>(e => e.Value), new UserMax(), parallelism);

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public Task Min_EqualsTheGeneralOperator(int? parallelism) =>
        SameAsGeneralAsync(seed: 5, 10, 2, 0, Aggregations.Min<E, long>(e => e.Value), new UserMin(), parallelism);

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public Task DecimalAverage_EqualsTheGeneralOperator(int? parallelism) =>
        SameAsGeneralAsync(seed: 6, 10, 4, 0, Aggregations.Average<E>(e => (decimal)e.Value), new UserDecimalAverage(), parallelism);

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(3)]
    public Task AFailingSumSelector_UnderSkip_LeavesOutOnlyItsElement_AsTheGeneralOperatorDoes(int? parallelism)
    {
        static long Value(E e) => e.Value % 13 == 0 ? throw new InvalidOperationException($"no value for {e}") : e.Value;
        return SameAsGeneralAsync(seed: 8, 10, 2, 0, Aggregations.Sum<E, long>(Value), new UserSum(Value), parallelism, policy: ErrorPolicy.Skip);
    }

    [Fact]
    public async Task AFailingSumSelector_OnTheOnlyElementOfAWindow_LeavesNoWindowBehind()
    {
        // Every element is alone in its key: a failing one must not leave an empty slice to fire.
        E[] input = [.. Enumerable.Range(0, 200).Select(i => new E($"only-{i}", T0.AddSeconds(i), i))];
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key)
            .Window(Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)))
            .Sum(e => e.Value % 3 == 0 ? throw new InvalidOperationException("bad") : e.Value)
            .To(Sinks.Collection(results));

        var summary = await new BoundedExecutor().RunAsync(p.Build());

        summary.ElementsSkipped.Should().Be(67);
        results.Select(r => r.Key).Distinct().Should().HaveCount(133);
        results.Should().OnlyContain(r => r.Value != 0 || r.Key == "only-0");
        results.Should().HaveCount(133 * 2, "each element lies in two windows");
    }

    [Fact]
    public void Applies_OnlyToOverlappingSlidingWindows_WithOnePaneEach_AndAnOrderFreeBuiltInAggregate()
    {
        static bool Applies(WindowAssigner windows, TriggerSpec trigger, object aggregator) =>
            SlicedWindowAggregate<E, string, long, long>.Applies(windows, trigger, aggregator);

        var sliding = Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
        var count = Aggregations.Count<E>();
        Applies(sliding, TriggerSpec.Default, count).Should().BeTrue();
        Applies(sliding, TriggerSpec.Default, new SumAggregator<E, double>(e => e.Value)).Should().BeTrue();
        Applies(sliding, TriggerSpec.Default, new AverageAggregator<E, long>(e => e.Value)).Should().BeTrue();
        Applies(sliding, TriggerSpec.Default, new MinMaxAggregator<E, long>(e => e.Value, max: true)).Should().BeTrue();
        SlicedWindowAggregate<E, string, object, long>.Applies(sliding, TriggerSpec.Default, Aggregations.Max<E, long>(e => e.Value)).Should().BeTrue("a boxed built-in aggregate is looked into");

        Applies(Windows.Tumbling(TimeSpan.FromSeconds(10)), TriggerSpec.Default, count).Should().BeFalse();
        Applies(Windows.Sliding(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)), TriggerSpec.Default, count).Should().BeFalse("windows that do not overlap");
        Applies(Windows.SlidingProcessingTime(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), TriggerSpec.Default, count).Should().BeFalse();
        Applies(sliding, TriggerSpec.Default with { AllowedLateness = 1 }, count).Should().BeFalse("late panes");
        Applies(sliding, TriggerSpec.Default with { EarlyEveryCount = 5 }, count).Should().BeFalse("early panes");
        Applies(sliding, TriggerSpec.Default with { EarlyInterval = TimeSpan.FromSeconds(1) }, count).Should().BeFalse("early panes");
        Applies(sliding, TriggerSpec.Default with { FireOnWatermark = false }, count).Should().BeFalse();
        Applies(sliding, TriggerSpec.Default, new UserSum(e => e.Value)).Should().BeFalse("the user's Merge may not be pure");
        Applies(sliding, TriggerSpec.Default, Aggregations.Reduce<E>((a, b) => a)).Should().BeFalse("the order of elements matters");
        Applies(sliding, TriggerSpec.Default, Aggregations.First<E>()).Should().BeFalse("the order of elements matters");
    }

    private sealed class UserSum(Func<E, long> value) : IAggregator<E, long, long>
    {
        public long CreateAccumulator() => 0;

        public long Add(long accumulator, E item) => checked(accumulator + value(item));

        public long Merge(long left, long right) => throw new NotSupportedException("never merged by the general operator of sliding windows");

        public long GetResult(long accumulator) => accumulator;
    }

    private sealed class UserMax : IAggregator<E, long?, long>
    {
        public long? CreateAccumulator() => null;

        public long? Add(long? accumulator, E item) => accumulator is { } m && m >= item.Value ? m : item.Value;

        public long? Merge(long? left, long? right) => throw new NotSupportedException();

        public long GetResult(long? accumulator) => accumulator!.Value;
    }

    private sealed class UserMin : IAggregator<E, long?, long>
    {
        public long? CreateAccumulator() => null;

        public long? Add(long? accumulator, E item) => accumulator is { } m && m <= item.Value ? m : item.Value;

        public long? Merge(long? left, long? right) => throw new NotSupportedException();

        public long GetResult(long? accumulator) => accumulator!.Value;
    }

    private sealed class UserDecimalAverage : IAggregator<E, (decimal Sum, long Count), decimal>
    {
        public (decimal Sum, long Count) CreateAccumulator() => (0m, 0);

        public (decimal Sum, long Count) Add((decimal Sum, long Count) accumulator, E item) => (accumulator.Sum + item.Value, accumulator.Count + 1);

        public (decimal Sum, long Count) Merge((decimal Sum, long Count) left, (decimal Sum, long Count) right) => throw new NotSupportedException();

        public decimal GetResult((decimal Sum, long Count) accumulator) => accumulator.Sum / accumulator.Count;
    }
}
