using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class CustomAggregatorTests
{
    /// <summary>Distinct values seen, sorted: a user aggregator with a reference-type accumulator.</summary>
    private sealed class DistinctValues : IAggregator<Ev, SortedSet<int>, string>
    {
        public int Merges { get; private set; }

        public SortedSet<int> CreateAccumulator() => [];

        public SortedSet<int> Add(SortedSet<int> accumulator, Ev value)
        {
            accumulator.Add(value.Value);
            return accumulator;
        }

        public SortedSet<int> Merge(SortedSet<int> left, SortedSet<int> right)
        {
            Merges++;
            return [.. left, .. right];
        }

        public string GetResult(SortedSet<int> accumulator) => string.Join(",", accumulator);
    }

    [Fact]
    public async Task Aggregate_UserAggregator_RunsPerKeyAndWindow()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 1, 3), Ev.At("a", 2, 1), Ev.At("a", 3, 3), Ev.At("b", 4, 9), Ev.At("a", 61, 7))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(new DistinctValues()));

        results.Select(r => (r.Key, r.Value)).Should().Equal(("a", "1,3"), ("b", "9"), ("a", "7"));
    }

    [Fact]
    public async Task Aggregate_UserAggregatorOnSessions_MergesWhenAnElementBridgesSessions()
    {
        var aggregator = new DistinctValues();

        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 0, 1), Ev.At("a", 15, 2), Ev.At("a", 7, 3))
            .KeyBy(e => e.Key)
            .Window(Windows.Session(TimeSpan.FromSeconds(10)))
            .Aggregate(aggregator));

        results.Should().ContainSingle().Which.Value.Should().Be("1,2,3");
        aggregator.Merges.Should().BeGreaterThan(0);
    }
}
