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

    protected override Func<TIn, TKey> KeySelector => _keyOf;
    private readonly KeyedProcessFunction<TKey, TIn, TResult> _function;
    private readonly KeyedProcessContext<TKey, TResult> _context;
    private readonly ElementOutput<TResult> _output;
    private readonly TimeProvider _clock;

    /// <summary>The id of the key being processed; <see cref="NotInTable"/> while the element's key holds nothing; <see cref="NoCall"/> outside a call.</summary>
    private int _current = NoCall;

    /// <summary>The element's key while it is <see cref="NotInTable"/> (it enters the table when the function first stores something for it).</summary>
    private TKey? _absentKey;
    private long _currentTimestamp;

    private const int NotInTable = -1;
    private const int NoCall = -2;

    /// <summary>
    /// How deep a chain of timers may go once the input ended: every timer fires then, so one that registers the next
    /// (a periodic heartbeat or flush) would fire for ever. A chain this deep fails, naming the way out.
    /// </summary>
    internal const int MaxTimerChainAtEnd = 1_000;

    /// <summary>
    /// Once the input ended: how deep in a chain of timers each timer registered then is (1: registered by a timer
    /// that was there when the input ended). Null until then.
    /// </summary>
    private Dictionary<(TimeDomain Domain, int Key, long Time), int>? _chainsAtEnd;

    /// <summary>The depth of the timer firing at the end (0: registered before the end); -1 when not at the end.</summary>
    private int _firingDepth = -1;
    private bool _firingRemaining;

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

    /// <remarks>
    /// The key is looked up, not added: a key that holds no state or timer enters the table only when the function
    /// stores something for it (<see cref="Stored"/>), so an element that stores nothing under such a key costs one
    /// lookup instead of adding the key and removing it again. A key in the table is pinned by a reference for the
    /// call, so that the function dropping its last state does not remove it while it is current.
    /// </remarks>
    protected override void OnElement(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        int id = KeyIds.IndexOf(key);
        ExtendHorizon(long.MaxValue);
        if (id >= 0) KeyIds.AddReference(id);
        else _absentKey = key;
        try
        {
            _current = id;
            _currentTimestamp = timestamp;
            _function.ProcessElement(value, _context);
            _output.Commit();
        }
        finally
        {
            if (_current >= 0) KeyIds.Release(_current);
            if (id < 0) _absentKey = default;
            _current = NoCall;
        }
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        if (domain == TimeDomain.EventTime ? Watermark == Time.EventTime.MaxWatermark : _firingRemaining)
        {
            _chainsAtEnd ??= [];
            _firingDepth = _chainsAtEnd.Remove((domain, timer.Key, timer.Time), out int depth) ? depth : 0;
        }

        _current = timer.Key;
        _currentTimestamp = domain == TimeDomain.EventTime ? timer.Time : ProcessingTimerStamp();
        try
        {
            var time = domain == TimeDomain.EventTime ? Time.EventTime.ToDateTimeOffset(timer.Time) : new DateTimeOffset(timer.Time, TimeSpan.Zero);
            _function.OnTimer(time, domain, _context);
            _output.Commit();
        }
        finally
        {
            _current = NoCall;
            _firingDepth = -1;
        }
    }

    /// <summary>
    /// At +∞ (every input ended) the processing-time timers still registered fire before the watermark is passed
    /// on, as a bounded run's do, so what they emit is not late for the windows after this operator.
    /// </summary>
    protected override void OnWatermarkAdvanced(long watermark)
    {
        if (watermark == Time.EventTime.MaxWatermark) FireRemainingAtEnd();
    }

    protected override void OnEndOfInput() => FireRemainingAtEnd();

    private void FireRemainingAtEnd()
    {
        _firingRemaining = true;
        try
        {
            FireRemainingProcessingTimers();
        }
        finally
        {
            _firingRemaining = false;
        }
    }

    /// <summary>
    /// The event time of what a processing-time timer emits: just after the watermark passed on when it fires (at
    /// the end of input, where the watermark is +∞, just after the last one before it; in a bounded run the earliest
    /// time there is), so that downstream windows do not count it late: a time equal to a watermark already passed
    /// on is behind it.
    /// </summary>
    private long ProcessingTimerStamp()
    {
        long passed = Watermark != Time.EventTime.MaxWatermark ? Watermark : WatermarkBeforeEnd;
        return passed < Time.EventTime.MinTicks ? Time.EventTime.MinTicks : Time.EventTime.SaturatingAdd(passed, 1);
    }

    protected override void DiscardElementOutput() => _output.Discard();

    public TKey CurrentKey => RequireCall() >= 0 ? KeyIds[_current] : _absentKey!;

    public long CurrentTimestamp => _currentTimestamp;

    long IKeyedProcessRuntime<TKey, TResult>.Watermark => Watermark;

    public TimeProvider Clock => _clock;

    public void Emit(TResult result, long timestamp)
    {
        RequireCall();
        _output.Emit(result, timestamp);
    }

    public void Register(TimeDomain domain, long time)
    {
        int key = Stored();
        if (_firingDepth >= 0) CountInChainAtEnd(domain, key, time);
        Timers.Register(domain, key, Namespaces.Global, time);
    }

    /// <summary>A timer firing after the input ended registers another: one link deeper in its chain.</summary>
    private void CountInChainAtEnd(TimeDomain domain, int key, long time)
    {
        int depth = _firingDepth + 1;
        if (depth > MaxTimerChainAtEnd)
        {
            string kind = domain == TimeDomain.EventTime ? "event-time" : "processing-time";
            throw new InvalidOperationException(
                $"Operator '{Context.OperatorName}': after the end of input, OnTimer for key '{KeyIds[key]}' registered a {kind} timer {MaxTimerChainAtEnd} times in a chain. " +
                "Every timer fires when the input ends, so a timer that registers the next one (a periodic heartbeat or flush) never stops. " +
                "Register the next timer only while context.Watermark is before DateTimeOffset.MaxValue, which it reaches when the input ends.");
        }

        ref int known = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_chainsAtEnd!, (domain, key, time), out _);
        if (depth > known) known = depth;
    }

    public bool Delete(TimeDomain domain, long time) => RequireCall() >= 0 && Timers.Delete(domain, _current, Namespaces.Global, time);

    /// <summary>The current key's id, or <see cref="NotInTable"/> when it holds nothing (nothing to read, clear or delete); throws outside a call.</summary>
    private int RequireCall() => _current != NoCall
        ? _current
        : throw new InvalidOperationException($"Operator '{Context.OperatorName}': state, timers and output are only available during ProcessElement and OnTimer.");

    /// <summary>The current key's id, for storing state or a timer: a key not in the table yet is added now and pinned for the rest of the call.</summary>
    private int Stored()
    {
        if (RequireCall() >= 0) return _current;
        int id = KeyIds.GetOrAdd(_absentKey!);
        KeyIds.AddReference(id);
        return _current = id;
    }

    public IStateCell<T> Bind<T>(string name, Func<StateSerializerRegistry, string, object>? codec = null)
    {
        var cell = new Cell<T>(this, State.KeyValues<T>(name));
        CheckpointStateAs(name, codec ?? ((serializers, op) => serializers.Require<T>(op, $"state '{name}'")));
        return cell;
    }

    /// <summary>The current key's value in one table.</summary>
    private sealed class Cell<T>(KeyedProcess<TIn, TKey, TResult> owner, StateTable<TKey, T> table) : IStateCell<T>
    {
        private int Entry => owner.RequireCall() is int key and >= 0 ? table.Find(key, Namespaces.Global) : -1;

        public bool Exists => Entry >= 0;

        public T Get()
        {
            int e = Entry;
            return e >= 0 ? table.Value(e) : default!;
        }

        public void Set(T value) => table.Value(table.GetOrAdd(owner.Stored(), Namespaces.Global, out _)) = value;

        public T GetOrCreate(Func<T> create)
        {
            int e = table.GetOrAdd(owner.Stored(), Namespaces.Global, out bool added);
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
