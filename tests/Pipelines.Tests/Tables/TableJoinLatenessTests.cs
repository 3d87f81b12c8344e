using Pipelines.Testing;
using static Pipelines.Tests.Tables.TableScenario;

namespace Pipelines.Tests.Tables;

/// <summary>Temporal joins follow the joins' lateness rule: allowed lateness, late elements and late changes to their own outputs, counted.</summary>
public class TableJoinLatenessTests
{
    /// <summary>An order or a change, so that one scripted source can interleave both with watermarks.</summary>
    internal sealed record Item(Order? Order, Change<string, string>? Change);

    private static Item Of(Order order) => new(order, null);

    private static Item Of(Change<string, string> change) => new(null, change);

    private static async Task<(List<string> Results, List<Order> LateOrders, List<Change<string, string>> LateChanges, RunSummary Summary)> RunAsync(TestStream<Item> script, TimeSpan allowedLateness)
    {
        var results = new List<string>();
        var lateOrders = new List<Order>();
        var lateChanges = new List<Change<string, string>>();
        var p = new PipelineBuilder();
        var items = p.From(script);
        var tiers = items.Where(i => i.Change is not null).Select(i => i.Change!.Value).ToTable();
        var joined = items.Where(i => i.Order is not null).Select(i => i.Order!).LeftTemporalJoin(tiers, o => o.Customer, Enriched, allowedLateness);
        joined.To(Sinks.Collection(results));
        joined.LateLeftElements().To(Sinks.Collection(lateOrders));
        joined.LateRightElements().To(Sinks.Collection(lateChanges));
        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());
        return (results, lateOrders, lateChanges, summary);
    }

    [Fact]
    public async Task LateWithinLateness_IsJoinedAtOnce_BeyondItGoesToTheLateOutputOfItsSide()
    {
        var script = new TestStream<Item>()
            .Add(T0.AddSeconds(10), Of(Insert("a", "silver", 10)))
            .Add(T0.AddSeconds(20), Of(Update("a", "gold", 20)))
            .AdvanceWatermarkTo(T0.AddSeconds(100))
            .Add(T0.AddSeconds(15), Of(O(1, "a", 15)))            // within 2 minutes: joined with the version valid at 15
            .Add(T0.AddSeconds(25), Of(Update("a", "bronze", 25))) // within: a version for what comes after it
            .Add(T0.AddSeconds(30), Of(O(2, "a", 30)))
            .AdvanceWatermarkTo(T0.AddSeconds(200))
            .Add(T0.AddSeconds(40), Of(O(3, "a", 40)))            // 40 + 120 <= 200: late
            .Add(T0.AddSeconds(50), Of(Update("a", "x", 50)))      // late
            .Add(T0.AddSeconds(300), Of(O(4, "a", 300)));

        var (results, lateOrders, lateChanges, summary) = await RunAsync(script, TimeSpan.FromMinutes(2));

        results.Should().Equal("1:silver", "2:bronze", "4:bronze");
        lateOrders.Should().Equal(O(3, "a", 40));
        lateChanges.Should().Equal(Update("a", "x", 50));
        summary.LateElementsDropped.Should().Be(2);
    }

    [Fact]
    public async Task WithoutLateness_ElementsAndChangesBehindTheWatermarkAreLate()
    {
        var script = new TestStream<Item>()
            .Add(T0.AddSeconds(10), Of(Insert("a", "silver", 10)))
            .AdvanceWatermarkTo(T0.AddSeconds(20))
            .Add(T0.AddSeconds(20), Of(O(1, "a", 20)))            // at the watermark: late
            .Add(T0.AddSeconds(15), Of(Update("a", "gold", 15)))   // late
            .Add(T0.AddSeconds(21), Of(O(2, "a", 21)));

        var (results, lateOrders, lateChanges, summary) = await RunAsync(script, TimeSpan.Zero);

        results.Should().Equal("2:silver");
        lateOrders.Should().Equal(O(1, "a", 20));
        lateChanges.Should().Equal(Update("a", "gold", 15));
        summary.LateElementsDropped.Should().Be(2);
    }
}
