using System.Text;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>The non-generic face of a workload, for the validation pass and the benchmark base class.</summary>
public interface IWorkload
{
    /// <summary>Short name, also the benchmark category (F, T, Q0 …).</summary>
    string Name { get; }

    /// <summary>One line for the report.</summary>
    string Description { get; }

    /// <summary>The contenders that can express this workload, in report order.</summary>
    IReadOnlyList<string> ContenderNames { get; }

    /// <summary>Input events currently generated.</summary>
    int EventCount { get; }

    /// <summary>Generates the (deterministic) input, unless it already has <paramref name="events"/> events.</summary>
    /// <param name="events">How many input events.</param>
    void Prepare(int events);

    /// <summary>Runs a contender once, keeping only count and checksum.</summary>
    /// <param name="contender">A name from <see cref="Contenders"/>.</param>
    (long Count, ulong Checksum) Run(string contender);

    /// <summary>
    /// Runs a contender once keeping every result and compares them (as a multiset) with the hand loop's.
    /// Returns null when equal, else a message that says what differs.
    /// </summary>
    /// <param name="contender">A name from <see cref="Contenders"/>.</param>
    string? Validate(string contender);

    /// <summary>The hand loop's count and checksum for the current input.</summary>
    (long Count, ulong Checksum) Reference { get; }

    /// <summary>Drops the kept reference results (keeping count and checksum) so they do not weigh on the GC while timing.</summary>
    void ReleaseReferenceItems();

    /// <summary>
    /// Runs the Pipelines definition once on the streaming executor with <paramref name="options"/> over the input
    /// read <paramref name="passes"/> times (see <see cref="ReferenceOver"/>); returns count, checksum and the run's summary.
    /// </summary>
    /// <param name="options">The streaming options (parallelism, checkpoint storage, ...).</param>
    /// <param name="passes">How many times the input is read, each pass later in event time than the one before.</param>
    (long Count, ulong Checksum, RunSummary Summary) RunStreaming(StreamingOptions options, int passes = 1);

    /// <summary>
    /// The hand loop's count and checksum over the input read <paramref name="passes"/> times: pass k is the input
    /// with every time moved <c>k × PassShift</c> later, where the shift is the input's time span plus a gap longer
    /// than any window and the out-of-orderness (rounded to 10 s, so window boundaries fall alike in every pass). No
    /// window then holds events of two passes, so the results of the repeated input are those of each pass on its
    /// own: the hand loop runs once per (shifted) pass. Throws for a workload whose events cannot be shifted.
    /// </summary>
    /// <param name="passes">How many passes (1: <see cref="Reference"/>).</param>
    (long Count, ulong Checksum) ReferenceOver(int passes);
}

/// <summary>A workload: an input generator, the contenders that express it, and the reference output.</summary>
/// <typeparam name="TIn">The input event type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public abstract class Workload<TIn, TOut> : IWorkload
    where TOut : struct, IResult<TOut>
{
    private readonly Dictionary<string, Func<TIn[], Collector<TOut>, Task>> _contenders = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private List<TOut>? _reference;
    private Action<PipelineBuilder, Source<TIn>, Collector<TOut>>? _pipelines;
    private (long, ulong)? _referenceSums;
    private readonly Dictionary<int, (long, ulong)> _repeatedReferences = [];

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ContenderNames => _order;

    /// <summary>The generated input.</summary>
    protected TIn[] Input { get; private set; } = [];

    /// <inheritdoc />
    public int EventCount => Input.Length;

    /// <inheritdoc />
    public (long Count, ulong Checksum) Reference
    {
        get
        {
            if (_referenceSums is null) EnsureReference();
            return _referenceSums!.Value;
        }
    }

    /// <inheritdoc />
    public void ReleaseReferenceItems() => _reference = null;

    /// <inheritdoc />
    public void Prepare(int events)
    {
        if (Input.Length == events) return;
        Input = Generate(events);
        _reference = null;
        _referenceSums = null;
        _repeatedReferences.Clear();
    }

    /// <inheritdoc />
    public (long Count, ulong Checksum) Run(string contender)
    {
        var collector = new Collector<TOut>(keepItems: false);
        Execute(contender, collector);
        return (collector.Count, collector.Checksum);
    }

    /// <inheritdoc />
    public (long Count, ulong Checksum, RunSummary Summary) RunStreaming(StreamingOptions options, int passes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var define = _pipelines ?? throw new InvalidOperationException($"Workload {Name} has no Pipelines definition.");
        var collector = new Collector<TOut>(keepItems: false);
        var builder = new PipelineBuilder(Name);
        if (passes > 1 && !RepeatsAlike) throw new NotSupportedException($"Workload {Name} cannot read its input several times (see ReferenceOver).");
        define(builder, passes == 1 ? Sources.Enumerable(Input) : new RepeatedSource<TIn>(Input, passes, PassShift(), Shift), collector);
        var summary = new StreamingExecutor(options).RunAsync(builder.Build()).GetAwaiter().GetResult();
        return (collector.Count, collector.Checksum, summary);
    }

    /// <inheritdoc />
    public (long Count, ulong Checksum) ReferenceOver(int passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        if (passes == 1) return Reference;
        if (!RepeatsAlike)
        {
            throw new NotSupportedException($"Workload {Name} cannot read its input several times: results that span passes (joins or aggregates over the whole input) would differ from each pass's own.");
        }

        if (_repeatedReferences.TryGetValue(passes, out var known)) return known;
        var (count, checksum) = Reference;
        long shift = PassShift();
        var input = Input;
        long moved = 0;
        try
        {
            for (int pass = 1; pass < passes; pass++)
            {
                for (int i = 0; i < input.Length; i++) input[i] = Shift(input[i], shift);
                moved += shift;
                var (c, s) = Run(Contenders.HandLoop);
                count += c;
                checksum += s;
            }
        }
        finally
        {
            for (int i = 0; i < input.Length && moved != 0; i++) input[i] = Shift(input[i], -moved);
        }

        _repeatedReferences[passes] = (count, checksum);
        return (count, checksum);
    }

    /// <summary>
    /// True when the input can be read several times (<see cref="ReferenceOver"/>): every result depends only on the
    /// events of windows of at most 10 s, so passes moved apart give each pass's own results. Such a workload also
    /// overrides <see cref="TimeOf"/> and <see cref="Shift"/>.
    /// </summary>
    protected virtual bool RepeatsAlike => false;

    /// <summary>The event time of <paramref name="item"/> in UTC ticks (for <see cref="ReferenceOver"/>).</summary>
    /// <param name="item">An input event.</param>
    protected virtual long TimeOf(in TIn item) => throw new NotSupportedException($"Workload {Name} cannot repeat its input: it does not say how to move its events in time.");

    /// <summary><paramref name="item"/> with every time it holds moved by <paramref name="ticks"/>.</summary>
    /// <param name="item">An input event.</param>
    /// <param name="ticks">How far (negative: earlier).</param>
    protected virtual TIn Shift(TIn item, long ticks) => throw new NotSupportedException($"Workload {Name} cannot repeat its input: it does not say how to move its events in time.");

    /// <summary>How far each pass of a repeated input is moved after the one before (see <see cref="ReferenceOver"/>).</summary>
    private long PassShift()
    {
        if (Input.Length == 0) throw new InvalidOperationException($"Workload {Name}: call Prepare(events) first.");
        long min = long.MaxValue, max = long.MinValue;
        foreach (ref readonly var e in Input.AsSpan())
        {
            long t = TimeOf(e);
            min = Math.Min(min, t);
            max = Math.Max(max, t);
        }

        long unit = TimeSpan.TicksPerSecond * 10;
        long gap = TimeSpan.TicksPerSecond * 20;
        return (max - min + gap + unit - 1) / unit * unit;
    }

    /// <inheritdoc />
    public string? Validate(string contender)
    {
        EnsureReference();
        var collector = new Collector<TOut>(keepItems: true);
        Execute(contender, collector);
        var actual = collector.Items;
        actual.Sort();
        return Compare(_reference!, actual, contender);
    }

    /// <summary>Makes the input.</summary>
    /// <param name="events">How many events.</param>
    protected abstract TIn[] Generate(int events);

    /// <summary>Registers a synchronous contender.</summary>
    protected void Add(string name, Action<TIn[], Collector<TOut>> run) =>
        Add(name, (input, collector) =>
        {
            run(input, collector);
            return Task.CompletedTask;
        });

    /// <summary>Registers an asynchronous contender.</summary>
    protected void Add(string name, Func<TIn[], Collector<TOut>, Task> run)
    {
        _contenders.Add(name, run);
        _order.Add(name);
    }

    /// <summary>Registers the three Pipelines contenders (bounded, streaming with parallelism 1 and 2) for one definition.</summary>
    /// <param name="define">Adds the source it is given (the input), operators and a sink (writing to the collector) to the builder.</param>
    protected void AddPipelines(Action<PipelineBuilder, Source<TIn>, Collector<TOut>> define)
    {
        _pipelines = define;
        Add(Contenders.PipelinesBounded, (input, collector) => PipelinesRunner.RunAsync(define, input, collector, null));
        Add(Contenders.PipelinesStreamingP1, (input, collector) => PipelinesRunner.RunAsync(define, input, collector, 1));
        Add(Contenders.PipelinesStreamingP2, (input, collector) => PipelinesRunner.RunAsync(define, input, collector, 2));
    }

    /// <summary>
    /// Registers the LINQ and peer contenders (Rx, Dataflow, Channels, Akka) of a stateless workload: keep the
    /// elements for which <paramref name="keep"/> holds and map them with <paramref name="map"/>.
    /// </summary>
    protected void AddStatelessPeers(Func<TIn, bool> keep, Func<TIn, TOut> map) => StatelessPeers.Register(Add, keep, map);

    /// <summary>Registers the Rx, Dataflow, Channels and Akka contenders of a stateful workload around a peer operator.</summary>
    internal void AddStatefulPeers(Func<IPeerOperator<TIn, TOut>> create) => StatefulPeers.Register(Add, create);

    private void Execute(string contender, Collector<TOut> collector)
    {
        if (!_contenders.TryGetValue(contender, out var run))
        {
            throw new ArgumentException($"Workload {Name} has no contender '{contender}'; it has: {string.Join(", ", _order)}.", nameof(contender));
        }

        if (Input.Length == 0) throw new InvalidOperationException($"Workload {Name}: call Prepare(events) first.");
        run(Input, collector).GetAwaiter().GetResult();
    }

    private void EnsureReference()
    {
        if (_reference is not null) return;
        var collector = new Collector<TOut>(keepItems: true);
        Execute(Contenders.HandLoop, collector);
        var items = collector.Items;
        items.Sort();
        _reference = items;
        _referenceSums = (collector.Count, collector.Checksum);
    }

    private string? Compare(List<TOut> expected, List<TOut> actual, string contender)
    {
        int n = Math.Min(expected.Count, actual.Count);
        int firstDiff = -1;
        for (int i = 0; i < n; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                firstDiff = i;
                break;
            }
        }

        if (firstDiff < 0 && expected.Count == actual.Count) return null;
        var text = new StringBuilder();
        text.Append($"Workload {Name}, contender {contender}: output differs from the hand loop's over {EventCount:N0} events: ")
            .Append($"{actual.Count:N0} results, expected {expected.Count:N0}.");
        if (firstDiff >= 0)
        {
            text.Append($" First difference (sorted) at #{firstDiff:N0}: got {actual[firstDiff]}, expected {expected[firstDiff]}.");
        }

        var missing = expected.Except(actual).Take(3).ToList();
        var extra = actual.Except(expected).Take(3).ToList();
        if (missing.Count > 0) text.Append(" Missing e.g.: ").AppendJoin("; ", missing).Append('.');
        if (extra.Count > 0) text.Append(" Unexpected e.g.: ").AppendJoin("; ", extra).Append('.');
        return text.ToString();
    }
}
