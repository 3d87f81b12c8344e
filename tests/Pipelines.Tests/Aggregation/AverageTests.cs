using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class AverageTests
{
    [Fact]
    public async Task Average_OfInts_IsAFractionalDouble_NotIntegerDivision()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 1, 1), Ev.At("a", 2, 2), Ev.At("b", 3, -3), Ev.At("b", 4, 4))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Average(e => e.Value));

        results.Select(r => (r.Key, r.Value)).Should().Equal(("a", 1.5), ("b", 0.5));
    }

    [Fact]
    public async Task Average_OfDecimalsAndLongs_MatchesLinq()
    {
        var prices = new[] { 1.25m, 2.50m, 3.75m, 10m };
        var big = new[] { 4_000_000_000L, 6_000_000_000L, 5_000_000_000L };

        var avgPrice = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(prices)).KeyBy(_ => 0).Window(Windows.Global()).Average(x => x));
        var avgBig = await BoundedRun.CollectAsync(p => p.From(Sources.Enumerable(big)).KeyBy(_ => 0).Window(Windows.Global()).Average(x => x));

        avgPrice.Should().ContainSingle().Which.Value.Should().Be(prices.Average(), "a decimal average stays decimal");
        avgBig.Should().ContainSingle().Which.Value.Should().Be(big.Average());
    }
}
