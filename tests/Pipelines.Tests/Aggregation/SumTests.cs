using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Aggregation;

public class SumTests
{
    private sealed record Sale(string Shop, DateTimeOffset Time, int Units, long Cents, double Weight, decimal Price);

    private static readonly Sale[] Sales =
    [
        new("x", Ev.T0.AddSeconds(1), 3, 300_000_000_000L, 0.5, 19.99m),
        new("y", Ev.T0.AddSeconds(2), -1, 5L, 1.25, 0.01m),
        new("x", Ev.T0.AddSeconds(3), 10, 7L, 2.0, 100.10m),
    ];

    private static Task<List<WindowResult<string, TValue>>> SumAsync<TValue>(Func<Sale, TValue> selector)
        where TValue : System.Numerics.INumber<TValue> =>
        BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(Sales))
            .WithEventTime(s => s.Time, BoundedRun.NoDelay)
            .KeyBy(s => s.Shop)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(selector));

    [Fact]
    public async Task SumInt_AddsTheProjectionPerKey()
    {
        var results = await SumAsync(s => s.Units);

        results.Select(r => (r.Key, r.Value)).Should().Equal(("x", 13), ("y", -1));
    }

    [Fact]
    public async Task SumLong_AddsValuesBeyondIntRange()
    {
        var results = await SumAsync(s => s.Cents);

        results.Select(r => (r.Key, r.Value)).Should().Equal(("x", 300_000_000_007L), ("y", 5L));
    }

    [Fact]
    public async Task SumDouble_AddsFractions()
    {
        var results = await SumAsync(s => s.Weight);

        results.Select(r => (r.Key, r.Value)).Should().Equal(("x", 2.5), ("y", 1.25));
    }

    [Fact]
    public async Task SumDecimal_IsExact()
    {
        var results = await SumAsync(s => s.Price);

        results.Select(r => (r.Key, r.Value)).Should().Equal(("x", 120.09m), ("y", 0.01m));
    }

    [Fact]
    public async Task SumInt_Overflow_FailsTheRun_InsteadOfWrapping()
    {
        var act = () => BoundedRun.CollectAsync(p => p
            .Events(Ev.At("k", 1, int.MaxValue), Ev.At("k", 2, 1))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(e => e.Value));

        (await act.Should().ThrowAsync<PipelineExecutionException>().WithMessage("*Window#*k@2s=1*"))
            .WithInnerException<OverflowException>();
    }

    [Fact]
    public async Task SumLong_Overflow_FailsTheRun()
    {
        var act = () => BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { long.MaxValue - 1, 1L, 1L }))
            .KeyBy(_ => 0)
            .Window(Windows.Global())
            .Sum(x => x));

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithInnerException<OverflowException>();
    }

    [Fact]
    public async Task SumDecimal_Overflow_FailsTheRun()
    {
        var act = () => BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { decimal.MaxValue, 1m }))
            .KeyBy(_ => 0)
            .Window(Windows.Global())
            .Sum(x => x));

        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithInnerException<OverflowException>();
    }

    [Fact]
    public async Task SumInt_NegativeValuesBringingTheTotalBackInRange_NeverOverflow()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(new[] { int.MaxValue, -5, 5 }))
            .KeyBy(_ => 0)
            .Window(Windows.Global())
            .Sum(x => x));

        results.Should().ContainSingle().Which.Value.Should().Be(int.MaxValue);
    }
}
