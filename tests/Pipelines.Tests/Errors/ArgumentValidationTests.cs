using System.Threading.Channels;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>Every factory and builder method rejects bad arguments at once, naming the parameter and the rule.</summary>
public class ArgumentValidationTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static KeyedStream<Ev, string> Keyed(PipelineBuilder p) => p.Events(Ev.At("a", 0)).KeyBy(e => e.Key);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Tumbling_NonPositiveSize_Throws(long ticks)
    {
        var act = () => Windows.Tumbling(TimeSpan.FromTicks(ticks));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("size").WithMessage("*size must be positive*");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(60)]
    [InlineData(61)]
    public void Tumbling_OffsetOutsideZeroToSize_Throws(int offsetSeconds)
    {
        var act = () => Windows.Tumbling(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(offsetSeconds));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("offset").WithMessage("*offset must be in [0, size)*");
    }

    [Fact]
    public void Tumbling_LargestValidOffset_IsAccepted()
    {
        var act = () => Windows.Tumbling(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Sliding_NonPositiveSize_Throws(int sizeSeconds)
    {
        var act = () => Windows.Sliding(TimeSpan.FromSeconds(sizeSeconds), Second);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("size").WithMessage("*size must be positive*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Sliding_NonPositiveSlide_Throws(int slideSeconds)
    {
        var act = () => Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(slideSeconds));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("slide").WithMessage("*slide must be positive*");
    }

    [Fact]
    public void Sliding_SlideLargerThanSize_Throws()
    {
        var act = () => Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("slide").WithMessage("*slide must not be larger than its size*");
    }

    [Fact]
    public void Sliding_SlideEqualToSize_IsAccepted()
    {
        var act = () => Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(7)]
    public void Sliding_OffsetOutsideZeroToSlide_Throws(int offsetSeconds)
    {
        var act = () => Windows.Sliding(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(offsetSeconds));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("offset").WithMessage("*offset must be in [0, slide)*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Session_NonPositiveGap_Throws(long ticks)
    {
        var act = () => Windows.Session(TimeSpan.FromTicks(ticks));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("gap").WithMessage("*gap must be positive*");
    }

    [Fact]
    public void Window_EndNotAfterStart_Throws()
    {
        var act = () => new Window(Ev.T0, Ev.T0);

        act.Should().Throw<ArgumentException>().WithParameterName("end").WithMessage("*end must be after its start*");
    }

    [Fact]
    public void Watermarks_NegativeOutOfOrderness_Throws()
    {
        var act = () => Watermarks.BoundedOutOfOrderness(TimeSpan.FromTicks(-1));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxOutOfOrderness").WithMessage("*zero or positive*");
    }

    [Fact]
    public void AllowedLateness_Negative_Throws()
    {
        var act = () => Keyed(new PipelineBuilder()).Window(Windows.Tumbling(Second)).AllowedLateness(TimeSpan.FromTicks(-1));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("lateness").WithMessage("*zero or positive*");
    }

    [Fact]
    public void EarlyResults_NonPositiveCountOrInterval_Throws()
    {
        var windowed = Keyed(new PipelineBuilder()).Window(Windows.Tumbling(Second));

        windowed.Invoking(w => w.EarlyResults(0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("everyElements");
        windowed.Invoking(w => w.EarlyResults(TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("interval").WithMessage("*must be positive*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void TopK_NonPositiveK_Throws(int k)
    {
        var act = () => Aggregations.TopK(k, (int x) => x);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("k");
    }

    [Fact]
    public void IntervalJoin_UpperBelowLower_Throws_NamingBothBounds()
    {
        var p = new PipelineBuilder();
        var left = Keyed(p);
        var right = Keyed(p);

        var act = () => left.IntervalJoin(right, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), (a, b) => a);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("upperBound")
            .WithMessage("*upper bound must not be less than its lower bound (00:00:05)*");
    }

    [Fact]
    public void IntervalJoin_UpperEqualToLower_IsAccepted()
    {
        var p = new PipelineBuilder();
        var act = () => Keyed(p).IntervalJoin(Keyed(p), TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(-5), (a, b) => a);

        act.Should().NotThrow();
    }

    [Fact]
    public void Join_WithSessionWindows_Throws()
    {
        var p = new PipelineBuilder();
        var act = () => Keyed(p).Join(Keyed(p), Windows.Session(Second), (a, b) => a);

        act.Should().Throw<ArgumentException>().WithParameterName("window").WithMessage("*non-merging windows*session windows are not supported*");
    }

    [Fact]
    public void Join_WithCountWindows_Throws_SayingWhatToUseInstead()
    {
        var p = new PipelineBuilder();
        var act = () => Keyed(p).Join(Keyed(p), Windows.Count(5), (a, b) => a);

        act.Should().Throw<ArgumentException>().WithParameterName("window").WithMessage("Join*count windows are not supported*Windows.Count(n)*");
    }

    [Fact]
    public void CoGroup_WithProcessingTimeWindows_Throws_SayingWhatToUseInstead()
    {
        var p = new PipelineBuilder();
        var act = () => Keyed(p).CoGroup(Keyed(p), Windows.TumblingProcessingTime(Second), (key, left, right) => left);

        act.Should().Throw<ArgumentException>().WithParameterName("window").WithMessage("CoGroup*processing-time windows are not supported*WithEventTime*");
    }

    [Fact]
    public void Join_StreamsOfDifferentBuilders_Throws()
    {
        var act = () => Keyed(new PipelineBuilder()).Join(Keyed(new PipelineBuilder()), Windows.Tumbling(Second), (a, b) => a);

        act.Should().Throw<ArgumentException>().WithParameterName("other").WithMessage("*different PipelineBuilders*");
    }

    [Fact]
    public void Window_OnStreamWithoutEventTime_Throws_NamingTheStream()
    {
        var p = new PipelineBuilder();
        var untimed = p.From(Sources.Enumerable(new[] { Ev.At("a", 0) })).Select(e => e).Named("parsed-clicks");

        var act = () => untimed.KeyBy(e => e.Key).Window(Windows.Tumbling(Second));

        act.Should().Throw<InvalidOperationException>().WithMessage("Window on stream 'parsed-clicks' needs event time*WithEventTime*");
    }

    [Fact]
    public void Window_OnStreamWithoutEventTime_DefaultNameIsTheOperator()
    {
        var p = new PipelineBuilder();
        var untimed = p.From(Sources.Enumerable(new[] { 1 })).Where(x => x > 0);

        var act = () => untimed.KeyBy(x => x).Window(Windows.Sliding(Second * 2, Second));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{untimed.Name}'*").And.Message.Should().Contain("Where#");
    }

    [Fact]
    public void Joins_OnStreamsWithoutEventTime_Throw_NamingTheStream()
    {
        var p = new PipelineBuilder();
        var timed = Keyed(p);
        var untimed = p.From(Sources.Enumerable(new[] { Ev.At("b", 0) })).Named("untimed").KeyBy(e => e.Key);

        timed.Invoking(t => t.Join(untimed, Windows.Tumbling(Second), (a, b) => a))
            .Should().Throw<InvalidOperationException>().WithMessage("Join on stream 'untimed' needs event time*");
        untimed.Invoking(u => u.IntervalJoin(timed, TimeSpan.Zero, Second, (a, b) => a))
            .Should().Throw<InvalidOperationException>().WithMessage("IntervalJoin on stream 'untimed' needs event time*");
    }

    [Fact]
    public void Named_EmptyOrWhitespace_Throws()
    {
        var stream = new PipelineBuilder().From(Sources.Enumerable(new[] { 1 }));

        stream.Invoking(s => s.Named(" ")).Should().Throw<ArgumentException>().WithParameterName("name");
        stream.Invoking(s => s.Named(null!)).Should().Throw<ArgumentNullException>().WithParameterName("name");
    }

    [Fact]
    public void BoundedExecutorOptions_NonPositiveBatchSize_Throws()
    {
        var act = () => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 0 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("BatchSize").WithMessage("*must be positive*");
    }

    public static TheoryData<string, Action> NullArguments()
    {
        var p = new PipelineBuilder();
        var s = p.From(Sources.Enumerable(new[] { Ev.At("a", 0) })).WithEventTime(e => e.Time, BoundedRun.NoDelay);
        var k = s.KeyBy(e => e.Key);
        var w = k.Window(Windows.Tumbling(Second));
        return new TheoryData<string, Action>
        {
            { "source", () => p.From<int>(null!) },
            { "sink", () => p.WithDeadLetterSink(null!) },
            { "items", () => Sources.Enumerable<int>(null!) },
            { "items", () => Sources.AsyncEnumerable<int>(null!) },
            { "reader", () => Sources.Channel<int>(null!) },
            { "collection", () => Sinks.Collection<int>(null!) },
            { "action", () => Sinks.Action((Action<int>)null!) },
            { "action", () => Sinks.Action((Func<int, CancellationToken, ValueTask>)null!) },
            { "writer", () => Sinks.Channel((ChannelWriter<int>)null!) },
            { "sink", () => s.To(null!) },
            { "timestamp", () => s.WithEventTime((Func<Ev, DateTimeOffset>)null!, BoundedRun.NoDelay) },
            { "timestamp", () => s.WithEventTime((InFunc<Ev, DateTimeOffset>)null!, BoundedRun.NoDelay) },
            { "strategy", () => s.WithEventTime((in Ev e) => e.Time, null!) },
            { "strategy", () => s.WithEventTime(e => e.Time, null!) },
            { "predicate", () => s.Where((Func<Ev, bool>)null!) },
            { "predicate", () => s.Where((InFunc<Ev, bool>)null!) },
            { "selector", () => s.Select((Func<Ev, int>)null!) },
            { "selector", () => s.Select((InFunc<Ev, int>)null!) },
            { "selector", () => s.SelectMany<int>(null!) },
            { "collectionSelector", () => s.SelectMany<int, int>(null!, (e, i) => i) },
            { "resultSelector", () => s.SelectMany<int, int>(e => [1], null!) },
            { "keySelector", () => s.KeyBy<string>(null!) },
            { "others", () => s.Union(null!) },
            { "others", () => s.Union([null!]) },
            { "assigner", () => k.Window(null!) },
            { "aggregator", () => w.Aggregate<long, long>(null!) },
            { "reducer", () => w.Reduce(null!) },
            { "selector", () => w.Sum<int>(null!) },
            { "selector", () => w.Min<int>(null!) },
            { "selector", () => w.Max<int>(null!) },
            { "selector", () => w.Average<int>(null!) },
            { "other", () => k.Join<Ev, Ev>(null!, Windows.Global(), (a, b) => a) },
            { "window", () => k.Join(k, null!, (a, b) => a) },
            { "resultSelector", () => k.Join<Ev, Ev>(k, Windows.Global(), null!) },
            { "other", () => k.IntervalJoin<Ev, Ev>(null!, TimeSpan.Zero, Second, (a, b) => a) },
            { "resultSelector", () => k.IntervalJoin<Ev, Ev>(k, TimeSpan.Zero, Second, null!) },
            { "selector", () => Aggregations.Sum<int, int>(null!) },
            { "selector", () => Aggregations.TopK<int, int>(1, null!) },
            { "factory", () => Watermarks.Custom<int>(null!) },
            { "pipeline", () => new BoundedExecutor().RunAsync(null!).GetAwaiter().GetResult() },
        };
    }

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void NullArgument_ThrowsArgumentNullException_NamingTheParameter(string parameter, Action act)
    {
        act.Should().Throw<ArgumentNullException>().WithParameterName(parameter);
    }
}
