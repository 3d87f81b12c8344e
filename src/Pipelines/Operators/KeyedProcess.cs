using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State;

namespace Pipelines.Operators;

/// <summary>
/// Runs a user's <see cref="KeyedProcessFunction{TKey,TIn,TResult}"/>: one function instance per worker, its state
/// in the worker's state store (per key, in the global namespace), its timers in the worker's timer service.
/// </summary>
/// <remarks>
/// Checkpoints: a process function's state can produce results at any later time, so without checkpoint storage a
/// barrier is held from the first element on until the end of input (as a global window does); with it, the state
/// is snapshotted and the barrier passes at once.
/// </remarks>
internal sealed class KeyedProcess<TIn, TKey, TResult> : KeyedOneInputStage<TIn, TKey>, IStateBinder, IKeyedProcessRuntime<TKey, TResult>
    where TKey : notnull
{
    /// <summary>How often processing-time timers are checked.</summary>
    internal static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(10);

    private readonly Func<TIn, TKey> _keyOf;
    private readonly KeyedProcessFunction<TKey, TIn, TResult> _function;
    private readonly KeyedProcessContext<TKey, TResult> _context;
    private readonly ElementOutput<TResult> _output;
    private readonly TimeProvider _clock;
    private int _current = -1;
    private long _currentTimestamp;

    public KeyedProcess(Func<TIn, TKey> keyOf, KeyedProcessFunction<TKey, TIn, TResult> function, Output<TResult> output, TimeProvider clock, OperatorContext context)
        : base(context, [output])
    {
        _keyOf = keyOf;
        _function = function;
        _clock = clock;
        _output = new ElementOutput<TResult>(output, context.Errors.Policy);
        _context = new KeyedProcessContext<TKey, TResult>(this);
        _function.Open(new KeyedStateRegistry(this));
    }

    public override TimeSpan? ProcessingTimeInterval => TimerResolution;

    protected override void OnElement(TIn value, long timestamp)
    {
        int key = KeyIds.GetOrAdd(Keys.NotNull(_keyOf(value)));
        ExtendHorizon(long.MaxValue);
        KeyIds.AddReference(key);
        try
        {
            _current = key;
            _currentTimestamp = timestamp;
            _function.ProcessElement(value, _context);
            _output.Commit();
        }
        finally
        {
            _current = -1;
            KeyIds.Release(key);
        }
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        _current = timer.Key;
        _currentTimestamp = domain == TimeDomain.EventTime ? timer.Time : Watermark;
        try
        {
            var time = domain == TimeDomain.EventTime ? Time.EventTime.ToDateTimeOffset(timer.Time) : new DateTimeOffset(timer.Time, TimeSpan.Zero);
            _function.OnTimer(time, domain, _context);
            _output.Commit();
        }
        finally
        {
            _current = -1;
        }
    }

    protected override void OnEndOfInput() => FireRemainingProcessingTimers();

    protected override void DiscardElementOutput() => _output.Discard();

    public TKey CurrentKey => KeyIds[RequireCurrent()];

    public long CurrentTimestamp => _currentTimestamp;

    long IKeyedProcessRuntime<TKey, TResult>.Watermark => Watermark;

    public TimeProvider Clock => _clock;

    public void Emit(TResult result, long timestamp)
    {
        RequireCurrent();
        _output.Emit(result, timestamp);
    }

    public void Register(TimeDomain domain, long time) => Timers.Register(domain, RequireCurrent(), Namespaces.Global, time);

    public bool Delete(TimeDomain domain, long time) => Timers.Delete(domain, RequireCurrent(), Namespaces.Global, time);

    private int RequireCurrent() => _current >= 0
        ? _current
        : throw new InvalidOperationException($"Operator '{Context.OperatorName}': state, timers and output are only available during ProcessElement and OnTimer.");

    public IStateCell<T> Bind<T>(string name, Func<StateSerializerRegistry, string, object>? codec = null)
    {
        var cell = new Cell<T>(this, State.Values<T>(name));
        CheckpointStateAs(name, codec ?? ((serializers, op) => serializers.Require<T>(op, $"state '{name}'")));
        return cell;
    }

    /// <summary>The current key's value in one table.</summary>
    private sealed class Cell<T>(KeyedProcess<TIn, TKey, TResult> owner, StateTable<TKey, T> table) : IStateCell<T>
    {
        private int Entry => table.Find(owner.RequireCurrent(), Namespaces.Global);

        public bool Exists => Entry >= 0;

        public T Get()
        {
            int e = Entry;
            return e >= 0 ? table.Value(e) : default!;
        }

        public void Set(T value) => table.Value(table.GetOrAdd(owner.RequireCurrent(), Namespaces.Global, out _)) = value;

        public T GetOrCreate(Func<T> create)
        {
            int e = table.GetOrAdd(owner.RequireCurrent(), Namespaces.Global, out bool added);
            if (added) table.Value(e) = create();
            return table.Value(e);
        }

        public void Clear()
        {
            int e = Entry;
            if (e >= 0) table.Remove(e);
        }
    }
}
