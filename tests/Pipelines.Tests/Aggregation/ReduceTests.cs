using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class ReduceTests
{
    [Fact]
    public async Task Reduce_CombinesEachKeysWindowPairwise()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", 1, 3), Ev.At("b", 2, 10), Ev.At("a", 3, 4), Ev.At("a", 65, 100))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Reduce((x, y) => x with { Value = x.Value * y.Value }));

        results.Select(r => (r.Key, r.Window.Start, r.Value.Value)).Should().Equal(
            ("a", Ev.T0, 12), ("b", Ev.T0, 10), ("a", Ev.T0.AddMinutes(1), 100));
    }

    [Fact]
    public async Task Reduce_SingleElement_IsReturnedUnchanged_WithoutCallingTheFunction()
    {
        int calls = 0;
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("solo", 1, 42))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Reduce((x, y) =>
            {
                calls++;
                return x;
            }));

        results.Should().ContainSingle().Which.Value.Should().Be(Ev.At("solo", 1, 42));
        calls.Should().Be(0);
    }

    [Fact]
    public async Task Reduce_NonCommutativeFunction_CombinesInArrivalOrder()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { "c", "a", "d", "b" }))
            .KeyBy(_ => 0)
            .Window(Windows.Global())
            .Reduce((x, y) => x + y));

        results.Should().ContainSingle().Which.Value.Should().Be("cadb");
    }
}
