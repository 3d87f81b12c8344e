using BenchmarkDotNet.Attributes;
using Pipelines.Benchmarks.Data;
using Pipelines.Sql;

namespace Pipelines.Benchmarks.Suites;

// SQL against the builder: the same question over the same events, asked once as a SQL statement
// (Pipelines.Sql compiles it onto the builder) and once written with the builder by hand. Times are per input
// event; Ratio is against the builder on the bounded executor. Every setup checks that both give the same
// number of results before anything is timed.

/// <summary>The events and the runs both SQL suites share.</summary>
public abstract class SqlSuiteBase
{
    /// <summary>Events per invocation (fewer than F and T: the machine is small).</summary>
    public const int Events = 2_000_000;

    private SynthEvent[] _input = [];
    private long _expected;

    protected SynthEvent[] Input => _input;

    [GlobalSetup]
    public void Setup()
    {
        _input = SyntheticData.Generate(Events);
        _expected = RunBuilder(null).GetAwaiter().GetResult();
        long sql = RunSql(null).GetAwaiter().GetResult();
        if (sql != _expected) throw new InvalidOperationException($"SQL gave {sql} results, the builder {_expected}.");
    }

    [Benchmark(OperationsPerInvoke = Events, Baseline = true)]
    public long BuilderBounded() => Check(RunBuilder(null));

    [Benchmark(OperationsPerInvoke = Events)]
    public long SqlBounded() => Check(RunSql(null));

    [Benchmark(OperationsPerInvoke = Events)]
    public long BuilderStreamingP1() => Check(RunBuilder(1));

    [Benchmark(OperationsPerInvoke = Events)]
    public long SqlStreamingP1() => Check(RunSql(1));

    /// <summary>Defines the builder's pipeline; returns nothing, counts through <paramref name="sink"/>.</summary>
    protected abstract void DefineBuilder(PipelineBuilder builder, Sink<int> sink);

    /// <summary>The SQL statement over table <c>events</c> (Key, Value, Timestamp).</summary>
    protected abstract string Statement { get; }

    private Task<long> RunBuilder(int? parallelism) => RunBuilder<int>(DefineBuilder, parallelism);

    /// <summary>Runs a builder pipeline defined by <paramref name="define"/> and counts its results.</summary>
    protected async Task<long> RunBuilder<T>(Action<PipelineBuilder, Sink<T>> define, int? parallelism)
    {
        var sink = new CountingSink<T>();
        var builder = new PipelineBuilder();
        define(builder, sink);
        await Run(builder.Build(), parallelism);
        return sink.Count;
    }

    private async Task<long> RunSql(int? parallelism)
    {
        var builder = new PipelineBuilder();
        var events = builder.From(Sources.Enumerable(_input)).WithEventTime(e => e.Timestamp, Watermarks.Monotonic());
        var env = new SqlEnvironment(builder);
        env.RegisterTable("events", events, isBounded: true, timeColumn: nameof(SynthEvent.Timestamp));
        var sink = new CountingSink<Row>();
        env.Query(Statement).Stream.To(sink);
        await Run(builder.Build(), parallelism);
        return sink.Count;
    }

    private static Task<RunSummary> Run(Pipeline pipeline, int? parallelism) => parallelism is null
        ? new BoundedExecutor().RunAsync(pipeline)
        : new StreamingExecutor(new StreamingOptions { Parallelism = parallelism.Value }).RunAsync(pipeline);

    /// <summary>Waits for a run and checks its count against the builder's.</summary>
    protected long Check(Task<long> run)
    {
        long count = run.GetAwaiter().GetResult();
        return count == _expected ? count : throw new InvalidOperationException($"{count} results, expected {_expected}.");
    }

    private sealed class CountingSink<T> : Sink<T>
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override string Name => "count";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(CountingSink<T> sink) : SinkWriter<T>
        {
            public override int TryWrite(ReadOnlySpan<T> items)
            {
                Interlocked.Add(ref sink._count, items.Length);
                return items.Length;
            }

            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                Interlocked.Add(ref sink._count, items.Length);
                return default;
            }
        }
    }
}

/// <summary>F in SQL: keep the events with an even value, project (Key, Value).</summary>
[BenchmarkCategory("SQL-F")]
public class SqlF_FilterProject : SqlSuiteBase
{
    protected override string Statement => "SELECT Key, `Value` FROM events WHERE `Value` % 2 = 0";

    /// <summary>
    /// The builder's F making one object per result, as the SQL query makes a <see cref="Row"/> per result (the
    /// builder baseline makes an int): what the result objects cost by themselves.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public long BuilderObjectsBounded() => Check(RunBuilder<KeyValue>(
        (builder, sink) => builder.From(Sources.Enumerable(Input))
            .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
            .Where(e => e.Value % 2 == 0)
            .Select(e => new KeyValue(e.Key, e.Value))
            .To(sink),
        null));

    /// <summary>A result object of two values, like the query's typed row.</summary>
    public sealed record KeyValue(int Key, long Value);

    protected override void DefineBuilder(PipelineBuilder builder, Sink<int> sink) =>
        builder.From(Sources.Enumerable(Input))
            .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
            .Where(e => e.Value % 2 == 0)
            .Select(e => e.Key ^ (int)e.Value)
            .To(sink);
}

/// <summary>T in SQL: the count per key and 1-second tumbling window.</summary>
[BenchmarkCategory("SQL-T")]
public class SqlT_TumblingCount : SqlSuiteBase
{
    protected override string Statement =>
        "SELECT Key, window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(`Timestamp`), INTERVAL '1' SECOND)) GROUP BY Key, window_start, window_end";

    protected override void DefineBuilder(PipelineBuilder builder, Sink<int> sink) =>
        builder.From(Sources.Enumerable(Input))
            .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Count()
            .Select(r => r.Key ^ (int)r.Value)
            .To(sink);
}
