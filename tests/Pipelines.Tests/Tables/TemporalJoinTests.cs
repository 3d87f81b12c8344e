using static Pipelines.Tests.Tables.TableScenario;

namespace Pipelines.Tests.Tables;

/// <summary>A stream enriched with the table row valid at each element's event time, the same on every executor.</summary>
public class TemporalJoinTests
{
    public static TheoryData<string> Executors => ["bounded", "P1", "P3"];

    private static Executor Of(string name) => name == "bounded" ? Executor.Bounded : new Executor(int.Parse(name[1..]));

    private static Func<DataStream<Order>, Table<string, string>, DataStream<string>> Inner =>
        (orders, tiers) => orders.TemporalJoin(tiers, o => o.Customer, (o, tier) => Enriched(o, tier));

    private static Func<DataStream<Order>, Table<string, string>, DataStream<string>> Left =>
        (orders, tiers) => orders.LeftTemporalJoin(tiers, o => o.Customer, Enriched);

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TemporalJoin_TakesTheVersionValidAtTheElementTime_BoundariesIncluded(string executor)
    {
        Change<string, string>[] changes = [Insert("a", "silver", 10), Update("a", "gold", 20)];
        Order[] orders =
        [
            new(1, "a", T0.AddSeconds(10).AddTicks(-1)), // a tick before the first version: no row
            O(2, "a", 10),                                 // exactly when silver starts
            new(3, "a", T0.AddSeconds(20).AddTicks(-1)),   // the last tick of silver
            O(4, "a", 20),                                 // exactly when gold starts
            O(5, "a", 1000),
        ];

        var inner = await JoinAsync(Of(executor), orders, changes, Inner);
        var left = await JoinAsync(Of(executor), orders, changes, Left);

        inner.Should().BeEquivalentTo(["2:silver", "3:silver", "4:gold", "5:gold"]);
        left.Should().BeEquivalentTo(["1:none", "2:silver", "3:silver", "4:gold", "5:gold"]);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TemporalJoin_AfterADelete_ThereIsNoRowUntilTheNextInsert(string executor)
    {
        Change<string, string>[] changes = [Insert("a", "silver", 10), Delete("a", 20), Insert("a", "bronze", 30)];
        Order[] orders = [O(1, "a", 15), O(2, "a", 20), O(3, "a", 25), O(4, "a", 30), O(5, "a", 31)];

        var inner = await JoinAsync(Of(executor), orders, changes, Inner);
        var left = await JoinAsync(Of(executor), orders, changes, Left);

        inner.Should().BeEquivalentTo(["1:silver", "4:bronze", "5:bronze"]);
        left.Should().BeEquivalentTo(["1:silver", "2:none", "3:none", "4:bronze", "5:bronze"]);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TemporalJoin_ElementsWaitForTheTable_WhicheverSourceIsReadFirst(string executor)
    {
        // The orders come long before the changes in the same time range: without waiting for the watermark of
        // both inputs, the first orders would see no row (bounded reads one source after the other).
        Change<string, string>[] changes = [Insert("a", "silver", 0), Update("a", "gold", 50), Insert("b", "bronze", 5)];
        Order[] orders = [O(1, "a", 1), O(2, "b", 6), O(3, "a", 49), O(4, "a", 50), O(5, "b", 4)];
        string[] expected = ["1:silver", "2:bronze", "3:silver", "4:gold", "5:none"];

        (await JoinAsync(Of(executor), orders, changes, Left, tableFirst: false)).Should().BeEquivalentTo(expected);
        (await JoinAsync(Of(executor), orders, changes, Left, tableFirst: true)).Should().BeEquivalentTo(expected);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TemporalJoin_ChangesOfOneKeyAtTheSameTime_TheLastOneWins(string executor)
    {
        Change<string, string>[] changes = [Insert("a", "silver", 10), Update("a", "gold", 10), Insert("b", "x", 10), Delete("b", 10)];
        Order[] orders = [O(1, "a", 10), O(2, "b", 10), O(3, "a", 11)];

        var left = await JoinAsync(Of(executor), orders, changes, Left);

        left.Should().BeEquivalentTo(["1:gold", "2:none", "3:gold"]);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TemporalJoin_OnlyTheElementsKeyMatters_AndResultsCarryTheElementTime(string executor)
    {
        var results = new List<(string Value, DateTimeOffset Time)>();
        var p = new PipelineBuilder();
        var strategy = Watermarks.BoundedOutOfOrderness(TimeSpan.Zero);
        var tiers = p.From(Sources.Enumerable([Insert("a", "silver", 0), Insert("b", "gold", 0)])).WithEventTime(c => c.Time, strategy).ToTable();
        p.From(Sources.Enumerable([O(1, "a", 5), O(2, "b", 7), O(3, "c", 9)])).WithEventTime(o => o.Time, strategy)
            .TemporalJoin(tiers, o => o.Customer, (o, tier) => Enriched(o, tier))
            .KeyBy(_ => 0).Process(() => new WithTimestamp())
            .To(Sinks.Collection(results));

        await Of(executor).RunAsync(p.Build());

        results.Should().BeEquivalentTo([("1:silver", T0.AddSeconds(5)), ("2:gold", T0.AddSeconds(7))]);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task OneTable_InTwoJoins_IsMaterializedByEach(string executor)
    {
        var temporal = new List<string>();
        var left = new List<string>();
        var p = new PipelineBuilder();
        var strategy = Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1));
        var tiers = p.From(Sources.Enumerable([Insert("a", "silver", 0), Update("a", "gold", 10)])).WithEventTime(c => c.Time, strategy).ToTable();
        var orders = p.From(Sources.Enumerable([O(1, "a", 5), O(2, "a", 15), O(3, "b", 15)])).WithEventTime(o => o.Time, strategy);
        orders.TemporalJoin(tiers, o => o.Customer, (o, tier) => Enriched(o, tier)).To(Sinks.Collection(temporal));
        orders.Where(o => o.Id != 1).LeftTemporalJoin(tiers, o => o.Customer, Enriched).To(Sinks.Collection(left));

        await Of(executor).RunAsync(p.Build());

        temporal.Should().BeEquivalentTo(["1:silver", "2:gold"]);
        left.Should().BeEquivalentTo(["2:gold", "3:none"]);
    }

    [Fact]
    public async Task Table_ToChangelog_IsTheChangesThatDefineIt()
    {
        var seen = new List<Change<string, string>>();
        Change<string, string>[] changes = [Insert("a", "silver", 0), Update("a", "gold", 1), Delete("a", 2)];
        var p = new PipelineBuilder();
        var table = p.From(Sources.Enumerable(changes)).ToTable();
        table.ToChangelog().To(Sinks.Collection(seen));

        await new BoundedExecutor().RunAsync(p.Build());

        seen.Should().Equal(changes);
        changes[2].Should().Be(new Change<string, string>(ChangeKind.Delete, "a", null, T0.AddSeconds(2)));
        changes[2].IsDelete.Should().BeTrue();
    }

    [Fact]
    public void TemporalJoin_WithoutEventTime_IsRefusedNamingWhatToDo()
    {
        var p = new PipelineBuilder();
        var timed = p.From(Sources.Enumerable([Insert("a", "silver", 0)])).WithEventTime(c => c.Time, Watermarks.Monotonic()).ToTable();
        var untimed = p.From(Sources.Enumerable([Insert("a", "silver", 0)])).ToTable();
        var orders = p.From(Sources.Enumerable([O(1, "a", 0)]));
        var timedOrders = orders.WithEventTime(o => o.Time, Watermarks.Monotonic());

        var noStreamTime = () => orders.TemporalJoin(timed, o => o.Customer, (o, t) => t);
        var noTableTime = () => timedOrders.TemporalJoin(untimed, o => o.Customer, (o, t) => t);
        var negative = () => timedOrders.TemporalJoin(timed, o => o.Customer, (o, t) => t, TimeSpan.FromSeconds(-1));

        noStreamTime.Should().Throw<InvalidOperationException>().WithMessage("*needs event time*WithEventTime*LookupJoin*");
        noTableTime.Should().Throw<InvalidOperationException>().WithMessage("*table*needs event time on its changes*ToTable*");
        negative.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("allowedLateness");
        orders.Invoking(o => o.LookupJoin(untimed, x => x.Customer, (x, t) => t)).Should().NotThrow("a lookup join needs no event time");
        new PipelineBuilder().From(Sources.Enumerable([O(1, "a", 0)])).WithEventTime(o => o.Time, Watermarks.Monotonic())
            .Invoking(o => o.TemporalJoin(timed, x => x.Customer, (x, t) => t)).Should().Throw<ArgumentException>().WithMessage("*different PipelineBuilders*");
    }

    [Fact]
    public async Task TemporalJoin_NullKey_FailsTheRunNamingTheOperator()
    {
        var act = () => JoinAsync(Executor.Bounded, [O(1, null!, 5)], [Insert("a", "silver", 0)], Inner);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*TemporalJoin*").WithInnerException<InvalidOperationException>().WithMessage("*key selector returned null*");
    }

    /// <summary>Emits each result with its event time.</summary>
    private sealed class WithTimestamp : KeyedProcessFunction<int, string, (string, DateTimeOffset)>
    {
        public override void ProcessElement(string value, KeyedProcessContext<int, (string, DateTimeOffset)> ctx) => ctx.Emit((value, ctx.Timestamp));
    }
}
