using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>A key selector returning null is a user error in every keyed operator, handled by the error policy.</summary>
public class NullKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Item(string? Key, DateTimeOffset Time);

    private static readonly Item[] Items = [new("a", T0), new(null, T0.AddSeconds(1)), new("a", T0.AddSeconds(2))];

    public static TheoryData<string> Operators => new() { "tumbling", "sliding", "session", "global", "join", "interval-join" };

    private static DataStream<string> Define(PipelineBuilder p, string op)
    {
        var items = p.From(Sources.Enumerable(Items, "items")).WithEventTime(i => i.Time, BoundedRun.NoDelay);
        var keyed = items.KeyBy(i => i.Key!);
        return op switch
        {
            "tumbling" => keyed.Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Count().Select(r => $"{r.Key}={r.Value}"),
            "sliding" => keyed.Window(Windows.Sliding(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30))).Count().Select(r => $"{r.Key}={r.Value}"),
            "session" => keyed.Window(Windows.Session(TimeSpan.FromMinutes(1))).Count().Select(r => $"{r.Key}={r.Value}"),
            "global" => keyed.Window(Windows.Global()).Count().Select(r => $"{r.Key}={r.Value}"),
            "join" => keyed.Join(p.From(Sources.Enumerable(new[] { new Item("a", T0) }, "other")).WithEventTime(i => i.Time, BoundedRun.NoDelay).KeyBy(i => i.Key!),
                Windows.Tumbling(TimeSpan.FromMinutes(1)), (l, r) => $"{l.Key}|{r.Key}"),
            _ => keyed.IntervalJoin(p.From(Sources.Enumerable(new[] { new Item("a", T0) }, "other")).WithEventTime(i => i.Time, BoundedRun.NoDelay).KeyBy(i => i.Key!),
                TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(1), (l, r) => $"{l.Key}|{r.Key}"),
        };
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public async Task NullKey_FailsTheRun_NamingTheElement(string op)
    {
        var act = () => BoundedRun.CollectAsync(p => Define(p, op));
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("key selector returned null").And.Contain("Key = ,");
        failure.InnerException.Should().BeOfType<InvalidOperationException>();
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public async Task NullKey_UnderSkip_IsSkippedAndCounted(string op)
    {
        var (results, summary) = await BoundedRun.CollectWithSummaryAsync(p => Define(p.OnError(ErrorPolicy.Skip), op));
        summary.ElementsSkipped.Should().Be(1);
        results.Should().NotContain(r => r.StartsWith("=", StringComparison.Ordinal) || r.StartsWith("|", StringComparison.Ordinal));
        results.Should().NotBeEmpty();
    }

    [Fact]
    public void Sliding_WithTooManyWindowsPerElement_IsRejectedNamingTheSlide()
    {
        var act = () => Windows.Sliding(TimeSpan.FromDays(1), TimeSpan.FromMilliseconds(1));
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("slide");
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*86400000 windows*at most 10000*");
        Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1)).Should().NotBeNull("10,000 windows per element is still allowed");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sliding_AsLongAsTimeSpanAllows_CountsEveryElementInEachOfItsWindows(bool bySlices)
    {
        // "Everything so far, every thousand years": the count of windows per element overflowed, and the operator
        // failed to start. A count is aggregated by slices; a lambda aggregate by window.
        var t0 = new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);
        var slide = TimeSpan.FromDays(365_250);
        var results = await BoundedRun.CollectAsync(p =>
        {
            var windowed = p.From(Sources.Enumerable([t0, t0.AddSeconds(1), t0.AddSeconds(2)]))
                .WithEventTime(t => t, Watermarks.Monotonic())
                .KeyBy(_ => "all")
                .Window(Windows.Sliding(TimeSpan.MaxValue, slide));
            return bySlices
                ? windowed.Count().Select(r => $"{r.Window.Start:yyyy} {r.Value}")
                : windowed.Aggregate(0L, (n, _) => n + 1, n => n).Select(r => $"{r.Window.Start:yyyy} {r.Value}");
        });
        // The windows holding t0 start on the grid of the slide (from the Unix epoch) within TimeSpan.MaxValue before it.
        long epoch = DateTimeOffset.UnixEpoch.UtcTicks, t = t0.UtcTicks - epoch;
        var expected = Enumerable.Range(-40, 41).Select(k => (long)k * slide.Ticks)
            .Where(start => start <= t && start > t - TimeSpan.MaxValue.Ticks)
            .Select(start => $"{(start + epoch <= 0 ? DateTimeOffset.MinValue : new DateTimeOffset(start + epoch, TimeSpan.Zero)):yyyy} 3")
            .ToList();
        expected.Should().HaveCount(30);
        results.Should().Equal(expected);
    }
}
