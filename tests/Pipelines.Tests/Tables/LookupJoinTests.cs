using Pipelines.Testing;
using Pipelines.Tests.TestSupport;
using Pipelines.Operators;
using static Pipelines.Tests.Tables.TableScenario;

namespace Pipelines.Tests.Tables;

/// <summary>Lookup joins: the latest row received when the element arrives, whatever its event time.</summary>
public class LookupJoinTests
{
    [Fact]
    public void LookupJoin_UsesTheRowHeldWhenTheElementArrives_NotTheOneValidAtItsTime()
    {
        var h = new OperatorHarness<string, string>((context, output) => new LookupJoin<Order, string, string, string>(
            o => o.Customer, true, Enriched, output, context));

        h.Element(O(1, "a", 50), 50)                               // no row yet
            .Element(Insert("a", "silver", 100), 100, port: 1)
            .Element(O(2, "a", 10), 10)                              // earlier event time, still the latest row
            .Element(Delete("a", 200), 200, port: 1)
            .Element(O(3, "a", 300), 300);

        h.Output.Elements.Should().Equal(("1:none", 50L), ("2:silver", 10L), ("3:none", 300L));
        h.State.Entries().Should().BeEmpty("a delete removes the key's row");
        h.State.Keys.Count.Should().Be(0);
        h.Counters.LateDropped.Should().Be(0, "nothing is late for a lookup");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LookupJoin_Bounded_DependsOnWhichSourceIsReadFirst(bool tableFirst)
    {
        // The documented difference from a temporal join: the result depends on arrival, not on event time.
        Change<string, string>[] changes = [Insert("a", "silver", 10)];
        Order[] orders = [O(1, "a", 20), O(2, "b", 20)];

        var inner = await JoinAsync(Executor.Bounded, orders, changes, (o, t) => o.LookupJoin(t, x => x.Customer, (x, tier) => Enriched(x, tier)), tableFirst);
        var left = await JoinAsync(Executor.Bounded, orders, changes, (o, t) => o.LeftLookupJoin(t, x => x.Customer, Enriched), tableFirst);

        inner.Should().Equal(tableFirst ? ["1:silver"] : []);
        left.Should().Equal(tableFirst ? ["1:silver", "2:none"] : ["1:none", "2:none"]);
    }

    [Fact]
    public async Task LookupJoin_Streaming_SeesUpdatesInArrivalOrder()
    {
        var results = new List<string>();
        // Watermark steps end the source's batches, so the four steps reach the join in this order.
        var script = new TestStream<(Order? Order, Change<string, string>? Change)>()
            .Add(T0.AddSeconds(10), (null, Insert("a", "silver", 10)))
            .AdvanceWatermarkTo(T0.AddSeconds(1))
            .Add(T0.AddSeconds(5), (O(1, "a", 5), null))
            .AdvanceWatermarkTo(T0.AddSeconds(2))
            .Add(T0.AddSeconds(20), (null, Update("a", "gold", 20)))
            .AdvanceWatermarkTo(T0.AddSeconds(3))
            .Add(T0.AddSeconds(6), (O(2, "a", 6), null));
        var p = new PipelineBuilder();
        var items = p.From(script);
        var tiers = items.Where(i => i.Change is not null).Select(i => i.Change!.Value).ToTable();
        items.Where(i => i.Order is not null).Select(i => i.Order!).LookupJoin(tiers, o => o.Customer, (o, tier) => Enriched(o, tier)).To(Sinks.Collection(results));

        await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(p.Build());

        results.Should().Equal("1:silver", "2:gold");
    }
}
