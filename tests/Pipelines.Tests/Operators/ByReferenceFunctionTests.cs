using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Operators;

/// <summary>
/// <c>Where</c> and <c>Select</c> with functions that take the element by reference (<see cref="InFunc{T, TResult}"/>):
/// alone, as a fused <c>Where</c>+<c>Select</c> pair, and in fused runs mixed with functions taking it by value, they
/// give LINQ's results on both executors, and a failing one is handled under its operator's policy with the element
/// it saw.
/// </summary>
public class ByReferenceFunctionTests
{
    private sealed class BoomException(string message) : Exception(message);

    /// <summary>A large struct with a reference in it, the case the overloads are for.</summary>
    private readonly record struct Wide(long Id, string Name, long A, long B, long C, long D, DateTimeOffset Time);

    private static readonly Wide[] Items =
        [.. Enumerable.Range(0, 300).Select(i => new Wide(i, $"n{i % 11}", i * 3L, i % 7, i % 5, -i, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i)))];

    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (string executor in BothExecutors.Names)
        {
            foreach (string shape in new[] { "where", "select", "pair", "run", "mixed-run" }) data.Add(executor, shape);
        }

        return data;
    }

    private static IEnumerable<long> Expected(string shape) => shape switch
    {
        "where" => Items.Where(w => w.B != 3).Select(w => w.Id),
        "select" => Items.Select(w => w.A + w.C),
        "pair" => Items.Where(w => w.Name != "n4").Select(w => w.A - w.D),
        "run" or "mixed-run" => Items.Where(w => w.C != 0).Select(w => w with { A = w.A + 1 }).Where(w => w.A % 2 == 0).Select(w => w.Id * 10),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    private static DataStream<long> Shape(DataStream<Wide> input, string shape) => shape switch
    {
        // A Where on its own (a SelectMany is not fused with it), and a Select on its own.
        "where" => input.Where((in w) => w.B != 3).SelectMany(w => new[] { w.Id }),
        "select" => input.Select((in w) => w.A + w.C),
        "pair" => input.Where((in w) => w.Name != "n4").Select((in w) => w.A - w.D),
        "run" => input.Where((in w) => w.C != 0).Select((in w) => w with { A = w.A + 1 }).Where((in w) => w.A % 2 == 0).Select((in w) => w.Id * 10),
        "mixed-run" => input.Where(w => w.C != 0).Select((in w) => w with { A = w.A + 1 }).Where(w => w.A % 2 == 0).Select((in w) => w.Id * 10),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task FunctionsTakingTheElementByReference_GiveLinqsResults(string executor, string shape)
    {
        var results = await BothExecutors.CollectAsync(executor, 16, p => Shape(p.From(Sources.Enumerable(Items)), shape));

        if (executor == "bounded") results.Should().Equal(Expected(shape));
        else results.Should().BeEquivalentTo(Expected(shape));
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task EventTimesReadByReference_WindowAsThoseReadByValue_AndAFailingOneIsSkipped(string executor)
    {
        static DataStream<WindowResult<string, long>> Count(DataStream<Wide> timed) =>
            timed.KeyBy(w => w.Name).Window(Windows.Tumbling(TimeSpan.FromSeconds(30))).Count();

        var byValue = await BothExecutors.CollectAsync(executor, 16, p =>
            Count(p.From(Sources.Enumerable(Items)).Where(w => w.Id != 42).WithEventTime(w => w.Time, Watermarks.Monotonic())));
        var byReference = await BothExecutors.CollectAsync(executor, 16, p =>
            Count(p.From(Sources.Enumerable(Items))
                .WithEventTime((in w) => w.Id == 42 ? throw new BoomException("no time") : w.Time, Watermarks.Monotonic()).OnError(ErrorPolicy.Skip)));

        byValue.Should().NotBeEmpty();
        byReference.Should().BeEquivalentTo(byValue, "element 42, whose time function fails, is skipped");
    }

    [Fact]
    public async Task ALoneWhereTakingTheElementByReference_PassesTheElementItself()
    {
        var results = await BothExecutors.CollectAsync("bounded", 16, p => p.From(Sources.Enumerable(Items)).Where((in w) => w.D % 2 == 0));

        results.Should().Equal(Items.Where(w => w.D % 2 == 0));
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AFailingFunctionTakingTheElementByReference_IsHandledUnderItsPolicy_WithTheElementItSaw(string executor)
    {
        var results = new List<long>();
        var dead = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        p.From(Sources.Enumerable(Items.Take(20)))
            .Select((in w) => w with { B = w.Id * 2 }).Named("doubled")
            .Where((in w) => w.Id != 3).Named("not three")
            .Select((in w) => w.B == 14 ? throw new BoomException("fourteen") : w.B).Named("b").OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(results));

        RunSummary summary = executor == "bounded"
            ? await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build())
            : await new StreamingExecutor(new StreamingOptions { MaxBatchSize = 4 }).RunAsync(p.Build());

        results.Should().BeEquivalentTo(Enumerable.Range(0, 20).Where(i => i != 3 && i != 7).Select(i => i * 2L));
        dead.Should().ContainSingle().Which.Operator.Should().Be("b");
        dead[0].Element.Should().Be(Items[7] with { B = 14 }, "the failing selector saw the element as the one before it made it");
        summary.ElementsDeadLettered.Should().Be(1);
    }
}
