using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class TopKTests
{
    private static Task<List<WindowResult<string, IReadOnlyList<Ev>>>> TopAsync(int k, params Ev[] events) =>
        BoundedRun.CollectAsync(p => p
            .Events(events)
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(Aggregations.TopK(k, (Ev e) => e.Value)));

    [Fact]
    public async Task TopK_KeepsTheKLargest_LargestFirst()
    {
        int[] values = [4, 17, -3, 8, 17, 0, 12, 5];
        var events = values.Select((v, i) => Ev.At("a", i, v)).ToArray();

        var results = await TopAsync(3, events);

        results.Should().ContainSingle().Which.Value.Select(e => e.Value).Should().Equal(values.OrderDescending().Take(3));
    }

    [Fact]
    public async Task TopK_FewerElementsThanK_ReturnsAllSortedDescending()
    {
        var results = await TopAsync(10, Ev.At("a", 1, 2), Ev.At("a", 2, 9), Ev.At("a", 3, 5));

        results.Should().ContainSingle().Which.Value.Select(e => e.Value).Should().Equal(9, 5, 2);
    }

    [Fact]
    public async Task TopK_Ties_KeepTheElementAddedFirst()
    {
        var results = await TopAsync(2, Ev.At("a", 1, 7), Ev.At("a", 2, 7), Ev.At("a", 3, 7), Ev.At("a", 4, 1));

        results.Should().ContainSingle().Which.Value.Should().Equal(Ev.At("a", 1, 7), Ev.At("a", 2, 7));
    }

    [Fact]
    public async Task TopK_KOfOne_IsTheMaximum_PerKeyAndWindow()
    {
        var results = await TopAsync(1, Ev.At("a", 1, 3), Ev.At("b", 2, 1), Ev.At("a", 3, 8), Ev.At("b", 70, 6));

        results.Select(r => (r.Key, r.Value.Single().Value)).Should().Equal(("a", 8), ("b", 1), ("b", 6));
    }
}
