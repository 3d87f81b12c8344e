using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

/// <summary>The views of list and map state (<see cref="ListStateItems{T}"/>, <see cref="MapStateEntries{TMapKey, TMapValue}"/>): what they show, and that walking them allocates nothing.</summary>
public class StateViewTests
{
    [Fact]
    public async Task Items_ListTheKeysItemsInOrder_AndAForeachOverThemAllocatesNothing()
    {
        var function = new KeepAndList();

        var results = await RunAsync(value: i => i, function);

        results.Should().HaveCount(60);
        results[^1].Should().Be("c:" + string.Join(",", Enumerable.Range(0, 20).Select(i => (3 * i) + 2)), "the last element of key c sees all of c's values, in order");
        function.Enumerated.Should().Be(Enumerable.Range(1, 20).Sum() * 3);
        function.AllocatedWhileEnumerating.Should().Be(0);
    }

    [Fact]
    public void Items_OfAKeyWithoutAList_AreEmpty()
    {
        var items = default(ListStateItems<int>);

        items.Count.Should().Be(0);
        items.Should().BeEmpty();
        var indexing = () => items[0];
        indexing.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Entries_ShowTheKeysMap_AndWalkingThemOrTheirKeysOrValuesAllocatesNothing()
    {
        var function = new CountAndWalk();

        var results = await RunAsync(value: i => i % 7, function);

        var expected = Events(i => i % 7).Where(e => e.Key == "b").GroupBy(e => e.Value).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}");
        results[^2].Should().Be("b:" + string.Join(",", expected), "the last element of key b sees b's counts per value");
        function.AllocatedWhileWalking.Should().Be(0);
    }

    [Fact]
    public void Entries_OfAKeyWithoutAMap_AreEmpty()
    {
        var entries = default(MapStateEntries<string, int>);

        entries.Count.Should().Be(0);
        entries.Should().BeEmpty();
        entries.ContainsKey("x").Should().BeFalse();
        entries.TryGetValue("x", out _).Should().BeFalse();
        entries.Keys.Should().BeEmpty();
        var reading = () => entries["x"];
        reading.Should().Throw<KeyNotFoundException>();
    }

    /// <summary>Sixty events for keys a, b, c in turn, one a second, element i with value <paramref name="value"/>(i).</summary>
    private static Ev[] Events(Func<int, int> value) => Enumerable.Range(0, 60).Select(i => Ev.At(((char)('a' + (i % 3))).ToString(), i, value(i))).ToArray();

    /// <summary>Runs <paramref name="function"/> over <see cref="Events"/> on the bounded executor; returns what it emitted.</summary>
    private static async Task<List<string>> RunAsync(Func<int, int> value, KeyedProcessFunction<string, Ev, string> function)
    {
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Events(value))).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key)
            .Process(() => function)
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());
        return results;
    }

    /// <summary>Counts each value per key in map state, then walks the map, its keys and its values (measuring what that allocates) and emits the counts.</summary>
    private sealed class CountAndWalk : KeyedProcessFunction<string, Ev, string>
    {
        private MapState<int, int> _counts = null!;

        public long AllocatedWhileWalking { get; private set; }

        public override void Open(KeyedStateRegistry state) => _counts = state.Map<int, int>("counts");

        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
        {
            _counts.Set(element.Value, _counts.TryGetValue(element.Value, out int n) ? n + 1 : 1);
            int total = Walk(); // once unmeasured: compiled and initialized before it is measured
            long before = GC.GetAllocatedBytesForCurrentThread();
            total += Walk();
            AllocatedWhileWalking += GC.GetAllocatedBytesForCurrentThread() - before;
            total.Should().BeGreaterThan(0);
            context.Emit($"{context.Key}:{string.Join(",", _counts.Entries.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}"))}");
        }

        private int Walk()
        {
            int total = 0;
            foreach (var (_, count) in _counts.Entries) total += count;
            foreach (int value in _counts.Entries.Keys) total += value >= 0 ? 1 : 0;
            foreach (int count in _counts.Entries.Values) total += count;
            return total;
        }
    }

    /// <summary>Adds each element's value to its key's list, then walks the list (measuring what the walk allocates) and emits it.</summary>
    private sealed class KeepAndList : KeyedProcessFunction<string, Ev, string>
    {
        private ListState<int> _values = null!;

        public long AllocatedWhileEnumerating { get; private set; }

        public int Enumerated { get; private set; }

        public override void Open(KeyedStateRegistry state) => _values = state.List<int>("values");

        public override void ProcessElement(Ev element, KeyedProcessContext<string, string> context)
        {
            _values.Add(element.Value);
            foreach (int value in _values.Items) _ = value; // the same walk once unmeasured: compiled and initialized before it is measured
            long before = GC.GetAllocatedBytesForCurrentThread();
            int count = 0;
            foreach (int value in _values.Items) count += value >= 0 ? 1 : 0;
            AllocatedWhileEnumerating += GC.GetAllocatedBytesForCurrentThread() - before;
            Enumerated += count;
            context.Emit($"{context.Key}:{string.Join(",", _values.Items)}");
        }
    }
}
