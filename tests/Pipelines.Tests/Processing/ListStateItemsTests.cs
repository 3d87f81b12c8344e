using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

public class ListStateItemsTests
{
    [Fact]
    public async Task Items_ListTheKeysItemsInOrder_AndAForeachOverThemAllocatesNothing()
    {
        var events = Enumerable.Range(0, 60).Select(i => Ev.At(((char)('a' + (i % 3))).ToString(), i, i)).ToArray();
        var function = new KeepAndList();
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(events)).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key)
            .Process(() => function)
            .To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build());

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
