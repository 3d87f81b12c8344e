using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Errors;

/// <summary>
/// Under the default <see cref="ErrorPolicy.Fail"/>, a throwing user function fails the run with a
/// <see cref="PipelineExecutionException"/> that names the operator and the element and wraps the original exception.
/// </summary>
public class UserFunctionFailureTests
{
    private sealed class BoomException(string message) : Exception(message);

    private static readonly BoomException Boom = new("boom");

    private static async Task<PipelineExecutionException> FailureOf<T>(Func<PipelineBuilder, DataStream<T>> define)
    {
        var act = () => BoundedRun.CollectAsync(define);
        return (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
    }

    [Fact]
    public async Task Select_Throwing_FailsTheRun_NamingOperatorAndElement_WithTheOriginalAsInner()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { "ok", "bad", "never" })).Select(s => s == "bad" ? throw Boom : s));

        ex.Message.Should().StartWith("Operator 'Select#2' failed on element 'bad': BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
        ex.Operator.Should().Be("Select#2");
        ex.Element.Should().Be("bad");
    }

    [Fact]
    public async Task Select_Named_TheMessageUsesTheGivenName()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { "1", "x" })).Select(int.Parse).Named("parse"));

        ex.Message.Should().StartWith("Operator 'parse' failed on element 'x': FormatException");
        ex.InnerException.Should().BeOfType<FormatException>();
    }

    [Fact]
    public async Task Where_Throwing_FailsTheRun_NamingTheWhere()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { 1, 0, 2 })).Where(x => 10 / x > 1));

        ex.Message.Should().StartWith("Operator 'Where#2' failed on element '0': DivideByZeroException");
        ex.InnerException.Should().BeOfType<DivideByZeroException>();
    }

    [Fact]
    public async Task SelectAfterWhere_Throwing_TheMessageNamesTheSelect()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { 1, 2, 3 })).Where(x => x > 1).Select(x => x == 3 ? throw Boom : x).Named("convert"));

        ex.Message.Should().Contain("convert").And.Contain("element '3'");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task SelectMany_Throwing_FailsTheRun_NamingTheSelectMany()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { 2, -1 })).SelectMany(n => Enumerable.Range(0, n)));

        ex.Message.Should().StartWith("Operator 'SelectMany#2' failed on element '-1': ArgumentOutOfRangeException");
    }

    [Fact]
    public async Task WithEventTime_SelectorThrowing_FailsTheRun_NamingWithEventTime()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { "2026-01-01T00:00:00Z", "not a time" }))
            .WithEventTime(s => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture), BoundedRun.NoDelay));

        ex.Message.Should().StartWith("Operator 'WithEventTime#2' failed on element 'not a time': FormatException");
    }

    [Fact]
    public async Task KeySelector_Throwing_FailsTheRun_NamingTheWindowOperator()
    {
        var ex = await FailureOf(p => p
            .Events(Ev.At("a", 1), Ev.At("", 2))
            .KeyBy(e => e.Key.Length == 0 ? throw Boom : e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .Named("per-page"));

        ex.Message.Should().StartWith("Operator 'per-page' failed on element '@2s=0': BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task AggregatorProjection_Throwing_FailsTheRun_NamingTheWindowOperator()
    {
        var ex = await FailureOf(p => p
            .Events(Ev.At("a", 1, 1), Ev.At("a", 2, -1))
            .KeyBy(e => e.Key)
            .Window(Windows.Session(TimeSpan.FromSeconds(5)))
            .Sum(e => e.Value < 0 ? throw Boom : e.Value));

        ex.Message.Should().MatchRegex("^Operator 'Window#\\d+' failed on element 'a@2s=-1': BoomException: boom");
    }

    [Fact]
    public async Task Reduce_FunctionThrowing_FailsTheRun_NamingTheElementBeingAdded()
    {
        var ex = await FailureOf(p => p
            .From(Sources.Enumerable(new[] { 4, 2, 0, 1 }))
            .KeyBy(_ => 0)
            .Window(Windows.Global())
            .Reduce((a, b) => a / b));

        ex.Message.Should().MatchRegex("^Operator 'Window#\\d+' failed on element '0': DivideByZeroException");
    }

    [Fact]
    public async Task UserAggregatorAdd_Throwing_FailsTheRun_NamingTheWindowOperator()
    {
        var ex = await FailureOf(p => p
            .Events(Ev.At("a", 1, 1))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(new ThrowingAggregator(throwInAdd: true))
            .Named("custom"));

        ex.Message.Should().StartWith("Operator 'custom' failed on element 'a@1s=1'");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task UserAggregatorGetResult_Throwing_FailsTheRun_NamingTheWindowOperator()
    {
        var ex = await FailureOf(p => p
            .Events(Ev.At("a", 1, 1))
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Aggregate(new ThrowingAggregator(throwInAdd: false))
            .Named("custom"));

        // The "element" of a result is its key and window.
        ex.Message.Should().StartWith(
            "Operator 'custom' failed on element '(a, [2026-01-01T00:00:00Z, 2026-01-01T00:01:00Z))': BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task JoinResultSelector_Throwing_FailsTheRun_NamingTheJoinAndThePair()
    {
        var ex = await FailureOf(p =>
        {
            var l = p.Events("left", [Ev.At("a", 1, 1)]).KeyBy(e => e.Key);
            var r = p.Events("right", [Ev.At("a", 2, 2)]).KeyBy(e => e.Key);
            return l.Join(r, Windows.Tumbling(TimeSpan.FromMinutes(1)), (a, b) => a.Value + b.Value > 2 ? throw Boom : 0);
        });

        ex.Message.Should().MatchRegex("^Operator 'Join#\\d+' failed on element '\\(a@1s=1, a@2s=2\\)': BoomException");
    }

    [Fact]
    public async Task IntervalJoinResultSelector_Throwing_FailsTheRun_NamingTheIntervalJoin()
    {
        var ex = await FailureOf(p =>
        {
            var l = p.Events("left", [Ev.At("a", 1, 1)]).KeyBy(e => e.Key);
            var r = p.Events("right", [Ev.At("a", 2, 2)]).KeyBy(e => e.Key);
            return l.IntervalJoin(r, TimeSpan.Zero, TimeSpan.FromSeconds(5), (a, b) => b.Value == 2 ? throw Boom : 0).Named("match");
        });

        ex.Message.Should().StartWith("Operator 'match' failed on element 'a@2s=2': BoomException");
    }

    [Fact]
    public async Task SinkAction_Throwing_FailsTheRun_NamingTheSinkAndElement()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 })).To(Sinks.Action<int>(x => { if (x == 2) throw Boom; }, "audit-log"));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        var ex = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        ex.Message.Should().MatchRegex("^Operator 'Sink#\\d+ \\(audit-log\\)' failed on element '2': BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task AsyncSinkAction_ThrowingAfterAnAwait_FailsTheRun_NamingTheSinkAndElement()
    {
        var written = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 })).To(Sinks.Action<int>(async (x, ct) =>
        {
            await Task.Yield();
            if (x == 2) throw Boom;
            written.Add(x);
        }, "webhook"));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        var ex = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        ex.Message.Should().MatchRegex("^Operator 'Sink#\\d+ \\(webhook\\)' failed on element '2': BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
        written.Should().Equal(1);
    }

    [Fact]
    public async Task Failure_LongElementText_IsTruncatedTo200Characters()
    {
        string longText = new string('x', 150) + new string('y', 150);

        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { longText })).Select(s => s.Length > 10 ? throw Boom : s));

        ex.Message.Should().Contain("'" + longText[..200] + "…'").And.NotContain(longText[..201]);
        ex.Element.Should().Be(longText, "the exception keeps the whole element");
    }

    [Fact]
    public async Task Failure_ElementWhoseToStringThrows_StillProducesAMessage()
    {
        var ex = await FailureOf(p => p.From(Sources.Enumerable(new[] { new Unprintable() })).Select(u => u.Fail()));

        ex.Message.Should().Contain("<Unprintable: ToString threw NotSupportedException>");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task Failure_StopsTheRun_LaterElementsAreNotProcessed()
    {
        var seen = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Enumerable.Range(0, 100).ToArray()))
            .Select(x =>
            {
                seen.Add(x);
                return x == 10 ? throw Boom : x;
            })
            .To(Sinks.Collection(new List<int>()));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        await act.Should().ThrowAsync<PipelineExecutionException>();
        seen.Should().Equal(Enumerable.Range(0, 11));
    }

    [Fact]
    public async Task SourceThrowing_FailsTheRun_NamingTheSource()
    {
        static IEnumerable<int> Broken()
        {
            yield return 1;
            throw Boom;
        }

        var ex = await FailureOf(p => p.From(Sources.Enumerable(Broken(), "ledger")));

        ex.Message.Should().StartWith("Source 'ledger' failed: BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task SourceFailingToOpen_FailsTheRun_NamingTheSource()
    {
        var ex = await FailureOf(p => p.From(new FailingSource()));

        ex.Message.Should().StartWith("Source 'broken-source' failed: BoomException: boom");
        ex.InnerException.Should().BeSameAs(Boom);
    }

    [Fact]
    public async Task SinkFailingToOpenOrComplete_FailsTheRun_NamingTheSink()
    {
        var onOpen = new PipelineBuilder();
        onOpen.From(Sources.Enumerable(new[] { 1 })).To(new FailingSink(failOnOpen: true));
        var onComplete = new PipelineBuilder();
        onComplete.From(Sources.Enumerable(new[] { 1 })).To(new FailingSink(failOnOpen: false));

        var open = () => new BoundedExecutor().RunAsync(onOpen.Build());
        var complete = () => new BoundedExecutor().RunAsync(onComplete.Build());

        (await open.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().StartWith("Sink 'broken-sink' failed: BoomException");
        (await complete.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().StartWith("Sink 'broken-sink' failed: BoomException");
    }

    [Fact]
    public async Task SinkWriterThrowingForAWholeBatch_FailsTheRun_NamingTheSink()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 })).To(Sinks.Collection<int>(new int[2]));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>())
            .WithMessage("Sink 'Collection<Int32>' failed: NotSupportedException*")
            .WithInnerException<NotSupportedException>();
    }

    private sealed class FailingSource : Source<int>
    {
        public override string Name => "broken-source";

        public override bool IsBounded => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => throw Boom;
    }

    private sealed class FailingSink(bool failOnOpen) : Sink<int>
    {
        public override string Name => "broken-sink";

        public override ValueTask<SinkWriter<int>> OpenAsync(CancellationToken cancellationToken) =>
            failOnOpen ? throw Boom : new(new Writer());

        private sealed class Writer : SinkWriter<int>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<int> items, CancellationToken cancellationToken) => default;

            public override ValueTask CompleteAsync(CancellationToken cancellationToken) => throw Boom;
        }
    }

    private sealed class Unprintable
    {
        public int Fail() => throw Boom;

        public override string ToString() => throw new NotSupportedException();
    }

    private sealed class ThrowingAggregator(bool throwInAdd) : IAggregator<Ev, int, int>
    {
        public int CreateAccumulator() => 0;

        public int Add(int accumulator, Ev value) => throwInAdd ? throw Boom : accumulator + 1;

        public int Merge(int left, int right) => left + right;

        public int GetResult(int accumulator) => throw Boom;
    }
}
