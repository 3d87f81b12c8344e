using Pipelines.Aggregation;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

/// <summary>Accumulators updated where the window state holds them: a user's <see cref="IInPlaceAggregator{TIn,TAcc,TOut}"/> and the built-ins.</summary>
public class InPlaceAggregatorTests
{
    public static TheoryData<string> Executors => ["bounded", "streaming"];

    /// <summary>Count, sum, min and max of the values in one struct accumulator, added in place; counts which Add the operators call.</summary>
    private sealed class Stats : IInPlaceAggregator<Ev, Stats.Acc, string>
    {
        public struct Acc
        {
            public long Count;
            public long Sum;
            public int Min;
            public int Max;
        }

        public int InPlaceAdds;
        public int ReturningAdds;

        public Acc CreateAccumulator() => new() { Min = int.MaxValue, Max = int.MinValue };

        public void Add(ref Acc accumulator, in Ev value)
        {
            Interlocked.Increment(ref InPlaceAdds);
            accumulator.Count++;
            accumulator.Sum += value.Value;
            accumulator.Min = Math.Min(accumulator.Min, value.Value);
            accumulator.Max = Math.Max(accumulator.Max, value.Value);
        }

        public Acc Add(Acc accumulator, Ev value)
        {
            Interlocked.Increment(ref ReturningAdds);
            return new Acc { Count = accumulator.Count + 1, Sum = accumulator.Sum + value.Value, Min = Math.Min(accumulator.Min, value.Value), Max = Math.Max(accumulator.Max, value.Value) };
        }

        public Acc Merge(Acc left, Acc right) =>
            new() { Count = left.Count + right.Count, Sum = left.Sum + right.Sum, Min = Math.Min(left.Min, right.Min), Max = Math.Max(left.Max, right.Max) };

        public string GetResult(Acc accumulator) => $"{accumulator.Count}: {accumulator.Sum} in [{accumulator.Min}, {accumulator.Max}]";
    }

    private static async Task<List<(string Key, DateTimeOffset Start, string Value)>> RunAsync(string executor, WindowAssigner windows, Stats stats, params Ev[] events)
    {
        var results = new List<WindowResult<string, string>>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events))
            .WithEventTime(e => e.Time, BoundedRun.NoDelay)
            .KeyBy(e => e.Key)
            .Window(windows)
            .Aggregate(stats)
            .To(Sinks.Collection(results));
        if (executor == "bounded") await new BoundedExecutor().RunAsync(p.Build());
        else await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));
        return [.. results.Select(r => (r.Key, r.Window.Start, r.Value)).OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal)];
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task UserInPlaceAggregator_OnTumblingAndSlidingWindows_IsAddedToInPlace_WithTheResultsOfItsReturningAdd(string executor)
    {
        Ev[] events = [Ev.At("a", 1, 3), Ev.At("b", 2, 10), Ev.At("a", 3, -5), Ev.At("a", 4, 8), Ev.At("a", 61, 7), Ev.At("b", 62, -4), Ev.At("b", 63, 9)];
        var stats = new Stats();

        var tumbling = await RunAsync(executor, Windows.Tumbling(TimeSpan.FromMinutes(1)), stats, events);
        var sliding = await RunAsync(executor, Windows.Sliding(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)), stats, events);

        tumbling.Select(r => (r.Key, r.Value)).Should().Equal(("a", "3: 6 in [-5, 8]"), ("b", "1: 10 in [10, 10]"), ("a", "1: 7 in [7, 7]"), ("b", "2: 5 in [-4, 9]"));
        sliding.Where(r => r.Start == Ev.T0).Select(r => (r.Key, r.Value)).Should().Equal(("a", "4: 13 in [-5, 8]"), ("b", "3: 15 in [-4, 10]"));
        stats.InPlaceAdds.Should().Be(events.Length + (2 * events.Length), "every element is added in place, once per window it belongs to");
        stats.ReturningAdds.Should().Be(0);
    }

    [Fact]
    public void BuiltInAggregators_AddInPlace_AsTheirReturningAddDoes()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 200).Select(_ => new Ev("k", Ev.T0, random.Next(-1000, 1000))).ToList();

        AgreeErased(Aggregations.Average((Ev e) => e.Value), values);
        AgreeErased(Aggregations.Average((Ev e) => (decimal)e.Value / 7), values);
        AgreeErased(Aggregations.Min((Ev e) => e.Value), values);
        AgreeErased(Aggregations.Max((Ev e) => e.Value), values);
        AgreeErased(Aggregations.Reduce((Ev a, Ev b) => a.Value >= b.Value ? a : b), values);
        Agree(Aggregations.Sum((Ev e) => (long)e.Value), values);
        Agree(Aggregations.Count<Ev>(), values);
        Agree(Aggregations.Create<Ev, (int Count, long Total), long>((0, 0L), (a, e) => (a.Count + 1, a.Total + e.Value), null, a => a.Total), values);
        Agree(Aggregations.Combine(Aggregations.Count<Ev>(), Aggregations.Create<Ev, long, long>(0L, (a, e) => a + e.Value, null, a => a)), values);
        Agree(Aggregations.Combine(Aggregations.Count<Ev>(), Aggregations.Sum((Ev e) => e.Value), Aggregations.Create<Ev, long, long>(0L, (a, e) => a ^ e.Value, null, a => a)), values);
    }

    [Fact]
    public void CombinedAggregator_WhenAPartFails_LeavesTheAccumulatorAsItWas()
    {
        var combined = (IInPlaceAggregator<Ev, (long First, int Second), (long, int)>)Aggregations.Combine(
            Aggregations.Count<Ev>(), Aggregations.Sum((Ev e) => e.Value));
        var accumulator = combined.CreateAccumulator();
        combined.Add(ref accumulator, new Ev("k", Ev.T0, 5));

        var failing = () => combined.Add(ref accumulator, new Ev("k", Ev.T0, int.MaxValue));

        failing.Should().Throw<OverflowException>();
        accumulator.Should().Be((1L, 5));
    }

    private static void Agree<TAcc, TOut>(IAggregator<Ev, TAcc, TOut> aggregator, List<Ev> values)
    {
        var inPlace = aggregator.Should().BeAssignableTo<IInPlaceAggregator<Ev, TAcc, TOut>>().Subject;
        TAcc returned = aggregator.CreateAccumulator(), updated = aggregator.CreateAccumulator();
        foreach (var value in values)
        {
            returned = aggregator.Add(returned, value);
            inPlace.Add(ref updated, value);
            updated.Should().Be(returned);
        }

        aggregator.GetResult(updated).Should().Be(aggregator.GetResult(returned));
    }

    /// <summary>Checks the aggregator behind a built-in whose accumulator type is hidden, as the window operators see it.</summary>
    private static void AgreeErased<TOut>(IAggregator<Ev, object, TOut> erased, List<Ev> values) =>
        ((IErasedAggregator<Ev, TOut>)erased).Accept(new AgreeVisitor<TOut>(values));

    private sealed class AgreeVisitor<TOut>(List<Ev> values) : IAggregatorVisitor<Ev, TOut, bool>
    {
        public bool Visit<TAcc>(IAggregator<Ev, TAcc, TOut> aggregator)
        {
            Agree(aggregator, values);
            return true;
        }
    }
}
