using CsCheck;

namespace Pipelines.Tests.Property;

/// <summary>
/// The headline promise: for generated pipelines and inputs whose disorder stays within the watermark bound,
/// the streaming executor's final result for every (key, window) equals the bounded executor's result,
/// whatever the parallelism, channel capacity and batch size.
/// </summary>
public class UnifiedResultsPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    public sealed record Event(int Key, long Value, DateTimeOffset Time)
    {
        public override string ToString() => $"k{Key}:{Value}@{(Time - T0).TotalMilliseconds}ms";
    }

    public enum WindowKind
    {
        Tumbling,
        Sliding,
        SlidingUneven,
        Session,
    }

    public enum AggregateKind
    {
        Count,
        Sum,
        Min,
        Max,
    }

    public enum Shape
    {
        Aggregate,
        FilteredAggregate,
        UnionAggregate,
        WindowJoin,
        IntervalJoin,
    }

    public sealed record Settings(int Parallelism, int ChannelCapacity, int BatchSize, bool WatermarkEveryBatch, bool ChainSinks)
    {
        public StreamingOptions ToOptions() => new()
        {
            Parallelism = Parallelism,
            ChannelCapacity = ChannelCapacity,
            MaxBatchSize = BatchSize,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            WatermarkInterval = WatermarkEveryBatch ? TimeSpan.FromTicks(1) : TimeSpan.FromMilliseconds(1),
            ChainSinks = ChainSinks,
        };
    }

    public sealed record Scenario(Shape Shape, WindowKind Window, AggregateKind Aggregate, Event[] Left, Event[] Right, Settings Settings)
    {
        public override string ToString() =>
            $"{Shape} {Window} {Aggregate} {Settings} left[{Left.Length}]={string.Join(' ', Left.Take(40))} right[{Right.Length}]={string.Join(' ', Right.Take(40))}";
    }

    /// <summary>
    /// Events in event-time order with random gaps (including ties), then reordered by arrival time
    /// t + delay with delay in [0, bound]: every element arrives while max-seen − bound ≤ its time, so none is late.
    /// </summary>
    private static Gen<Event[]> Events(int keys) =>
        Gen.Select(Gen.Int[0, keys - 1], Gen.Long[-50, 50], Gen.Int[0, 1500], Delays)
            .Array[0, 120]
            .Select(raw =>
            {
                var time = T0;
                var arrivals = new List<(Event Event, DateTimeOffset Arrival, int Index)>();
                for (int i = 0; i < raw.Length; i++)
                {
                    var (key, value, gap, delay) = raw[i];
                    time = time.AddMilliseconds(gap);
                    arrivals.Add((new Event(key, value, time), time.AddMilliseconds(delay), i));
                }

                return arrivals.OrderBy(a => a.Arrival).ThenBy(a => a.Index).Select(a => a.Event).ToArray();
            });

    /// <summary>Arrival delays, often at the extremes: exactly on time, or exactly the bound late.</summary>
    private static readonly Gen<int> Delays = Gen.Frequency(
        (2, Gen.Const(0)),
        (2, Gen.Const((int)Bound.TotalMilliseconds)),
        (3, Gen.Int[0, (int)Bound.TotalMilliseconds]));

    private static readonly Gen<Scenario> Scenarios =
        from shape in Gen.Enum<Shape>()
        from window in Gen.Enum<WindowKind>()
        from aggregate in Gen.Enum<AggregateKind>()
        from keys in Gen.Int[1, 5]
        from left in Events(keys)
        from right in Events(keys)
        from parallelism in Gen.Int[1, 4]
        from capacity in Gen.Int[1, 64]
        from batch in Gen.OneOf(Gen.Int[1, 8], Gen.Int[1, 1024])
        from watermarkEveryBatch in Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false)))
        from chainSinks in Gen.Bool
        select new Scenario(shape, window, aggregate, left, right, new Settings(parallelism, capacity, batch, watermarkEveryBatch, chainSinks));

    [Fact]
    public async Task StreamingFinalResults_EqualBoundedResults_ForDisorderWithinTheBound()
    {
        await Scenarios.SampleAsync(async scenario =>
        {
            var bounded = await RunAsync(scenario, streaming: false);
            var streaming = await RunAsync(scenario, streaming: true);
            streaming.Late.Should().Be(0, "no element is later than the watermark bound");
            streaming.Results.Should().BeEquivalentTo(bounded.Results, $"streaming must equal bounded for {scenario}");
        }, iter: 150, threads: 1);
    }

    private sealed record Outcome(List<string> Results, long Late);

    private static async Task<Outcome> RunAsync(Scenario scenario, bool streaming)
    {
        var p = new PipelineBuilder();
        var results = new List<string>();
        var left = p.From(Sources.Enumerable(scenario.Left, "left")).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(Bound));
        var right = p.From(Sources.Enumerable(scenario.Right, "right")).WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(Bound));
        bool finalPanesOnly = false;
        var panes = new List<WindowResult<int, long>>();
        switch (scenario.Shape)
        {
            case Shape.Aggregate:
                Aggregate(left, scenario).To(Sinks.Collection(panes));
                finalPanesOnly = true;
                right.Where(_ => false).To(Sinks.Collection(new List<Event>()));
                break;
            case Shape.FilteredAggregate:
                Aggregate(left.Where(e => e.Value % 3 != 0).Select(e => e with { Value = e.Value * 2 }), scenario).To(Sinks.Collection(panes));
                finalPanesOnly = true;
                right.Where(_ => false).To(Sinks.Collection(new List<Event>()));
                break;
            case Shape.UnionAggregate:
                Aggregate(left.Union(right), scenario).To(Sinks.Collection(panes));
                finalPanesOnly = true;
                break;
            case Shape.WindowJoin:
                left.KeyBy(e => e.Key)
                    .Join(right.KeyBy(e => e.Key), Assigner(scenario.Window is WindowKind.Session ? WindowKind.Tumbling : scenario.Window), (l, r) => $"{l}|{r}")
                    .To(Sinks.Collection(results));
                break;
            case Shape.IntervalJoin:
                left.KeyBy(e => e.Key)
                    .IntervalJoin(right.KeyBy(e => e.Key), TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(1), (l, r) => $"{l}|{r}")
                    .To(Sinks.Collection(results));
                break;
        }

        RunSummary summary = streaming
            ? await new StreamingExecutor(scenario.Settings.ToOptions()).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60))
            : await new BoundedExecutor().RunAsync(p.Build());

        if (finalPanesOnly)
        {
            if (!streaming)
            {
                panes.Should().NotContain(r => r.Timing != PaneTiming.OnTime || r.PaneIndex != 0, "the bounded executor emits one on-time pane per window");
            }

            results.AddRange(panes.GroupBy(r => (r.Key, r.Window)).Select(g => g.MaxBy(r => r.PaneIndex)).Select(r => $"{r.Key} {r.Window} = {r.Value}"));
        }

        return new Outcome(results, summary.LateElementsDropped);
    }

    private static WindowResultStream<Event, int, long> Aggregate(DataStream<Event> stream, Scenario scenario)
    {
        var windowed = stream.KeyBy(e => e.Key).Window(Assigner(scenario.Window));
        return scenario.Aggregate switch
        {
            AggregateKind.Count => windowed.Count(),
            AggregateKind.Sum => windowed.Sum(e => e.Value),
            AggregateKind.Min => windowed.Min(e => e.Value),
            _ => windowed.Max(e => e.Value),
        };
    }

    private static WindowAssigner Assigner(WindowKind kind) => kind switch
    {
        WindowKind.Tumbling => Windows.Tumbling(TimeSpan.FromSeconds(5)),
        WindowKind.Sliding => Windows.Sliding(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(2)),
        WindowKind.SlidingUneven => Windows.Sliding(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500)),
        _ => Windows.Session(TimeSpan.FromSeconds(2)),
    };
}
