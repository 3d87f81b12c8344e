namespace Pipelines.Aggregation;

/// <summary>Two aggregates of one window in one pass: each element is added to both accumulators.</summary>
internal sealed class CombinedAggregator<T, TA, TRA, TB, TRB>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second)
    : IInPlaceAggregator<T, (TA First, TB Second), (TRA, TRB)>, IEventTimeAggregator<T, (TA First, TB Second)>, IMayNotMerge
{
    private readonly IEventTimeAggregator<T, TA>? _firstTimed = EventTimeAdd.Of(first);
    private readonly IEventTimeAggregator<T, TB>? _secondTimed = EventTimeAdd.Of(second);

    /// <summary>Whether a part uses event time (first, last): then every element is added with its event time.</summary>
    public bool UsesEventTime => _firstTimed is not null || _secondTimed is not null;

    public (TA First, TB Second) Add((TA First, TB Second) accumulator, T value, long timestamp) =>
        (EventTimeAdd.Add(first, _firstTimed, accumulator.First, value, timestamp), EventTimeAdd.Add(second, _secondTimed, accumulator.Second, value, timestamp));

    public bool CanMerge => Mergeable.CanMerge(first) && Mergeable.CanMerge(second);

    private readonly IInPlaceAggregator<T, TA, TRA>? _firstInPlace = first as IInPlaceAggregator<T, TA, TRA>;
    private readonly IInPlaceAggregator<T, TB, TRB>? _secondInPlace = second as IInPlaceAggregator<T, TB, TRB>;

    /// <remarks>
    /// The second part is added to a copy first, so a failure in either leaves the accumulator unchanged — as far as
    /// the parts' accumulators are values: a part whose accumulator is an object it changes in place keeps that change.
    /// </remarks>
    public void Add(ref (TA First, TB Second) accumulator, in T value)
    {
        TB b = accumulator.Second;
        if (_secondInPlace is null) b = second.Add(b, value);
        else _secondInPlace.Add(ref b, in value);
        if (_firstInPlace is null) accumulator.First = first.Add(accumulator.First, value);
        else _firstInPlace.Add(ref accumulator.First, in value);
        accumulator.Second = b;
    }

    public (TA First, TB Second) CreateAccumulator() => (first.CreateAccumulator(), second.CreateAccumulator());

    public (TA First, TB Second) Add((TA First, TB Second) accumulator, T value) =>
        (first.Add(accumulator.First, value), second.Add(accumulator.Second, value));

    public (TA First, TB Second) Merge((TA First, TB Second) left, (TA First, TB Second) right) =>
        (first.Merge(left.First, right.First), second.Merge(left.Second, right.Second));

    public (TRA, TRB) GetResult((TA First, TB Second) accumulator) => (first.GetResult(accumulator.First), second.GetResult(accumulator.Second));
}

/// <summary>Three aggregates of one window in one pass: each element is added to the three accumulators.</summary>
internal sealed class CombinedAggregator<T, TA, TRA, TB, TRB, TC, TRC>(IAggregator<T, TA, TRA> first, IAggregator<T, TB, TRB> second, IAggregator<T, TC, TRC> third)
    : IInPlaceAggregator<T, (TA First, TB Second, TC Third), (TRA, TRB, TRC)>, IEventTimeAggregator<T, (TA First, TB Second, TC Third)>, IMayNotMerge
{
    private readonly IEventTimeAggregator<T, TA>? _firstTimed = EventTimeAdd.Of(first);
    private readonly IEventTimeAggregator<T, TB>? _secondTimed = EventTimeAdd.Of(second);
    private readonly IEventTimeAggregator<T, TC>? _thirdTimed = EventTimeAdd.Of(third);

    /// <summary>Whether a part uses event time (first, last): then every element is added with its event time.</summary>
    public bool UsesEventTime => _firstTimed is not null || _secondTimed is not null || _thirdTimed is not null;

    public (TA First, TB Second, TC Third) Add((TA First, TB Second, TC Third) accumulator, T value, long timestamp) =>
        (EventTimeAdd.Add(first, _firstTimed, accumulator.First, value, timestamp), EventTimeAdd.Add(second, _secondTimed, accumulator.Second, value, timestamp),
            EventTimeAdd.Add(third, _thirdTimed, accumulator.Third, value, timestamp));

    public bool CanMerge => Mergeable.CanMerge(first) && Mergeable.CanMerge(second) && Mergeable.CanMerge(third);

    private readonly IInPlaceAggregator<T, TA, TRA>? _firstInPlace = first as IInPlaceAggregator<T, TA, TRA>;
    private readonly IInPlaceAggregator<T, TB, TRB>? _secondInPlace = second as IInPlaceAggregator<T, TB, TRB>;
    private readonly IInPlaceAggregator<T, TC, TRC>? _thirdInPlace = third as IInPlaceAggregator<T, TC, TRC>;

    /// <remarks>
    /// The second and third parts are added to copies first, so a failure in any leaves the accumulator unchanged — as
    /// far as the parts' accumulators are values: a part whose accumulator is an object it changes in place keeps that change.
    /// </remarks>
    public void Add(ref (TA First, TB Second, TC Third) accumulator, in T value)
    {
        TB b = accumulator.Second;
        if (_secondInPlace is null) b = second.Add(b, value);
        else _secondInPlace.Add(ref b, in value);
        TC c = accumulator.Third;
        if (_thirdInPlace is null) c = third.Add(c, value);
        else _thirdInPlace.Add(ref c, in value);
        if (_firstInPlace is null) accumulator.First = first.Add(accumulator.First, value);
        else _firstInPlace.Add(ref accumulator.First, in value);
        accumulator.Second = b;
        accumulator.Third = c;
    }

    public (TA First, TB Second, TC Third) CreateAccumulator() => (first.CreateAccumulator(), second.CreateAccumulator(), third.CreateAccumulator());

    public (TA First, TB Second, TC Third) Add((TA First, TB Second, TC Third) accumulator, T value) =>
        (first.Add(accumulator.First, value), second.Add(accumulator.Second, value), third.Add(accumulator.Third, value));

    public (TA First, TB Second, TC Third) Merge((TA First, TB Second, TC Third) left, (TA First, TB Second, TC Third) right) =>
        (first.Merge(left.First, right.First), second.Merge(left.Second, right.Second), third.Merge(left.Third, right.Third));

    public (TRA, TRB, TRC) GetResult((TA First, TB Second, TC Third) accumulator) =>
        (first.GetResult(accumulator.First), second.GetResult(accumulator.Second), third.GetResult(accumulator.Third));
}
