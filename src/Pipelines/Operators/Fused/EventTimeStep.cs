using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// <c>WithEventTime</c> as the first step of a fused run: computes the element's event time, keeps the largest one
/// for the watermark (<see cref="EventTimeClock{T}"/>), and passes the element on with it. The source's elements are
/// then read once, by one loop that times, filters and projects them, instead of a loop that writes every element's
/// time into an array and a second one that reads the elements again.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TSite">The call site of the time function (<see cref="CallSites"/>): only makes the code a copy of its own.</typeparam>
/// <typeparam name="TKind">How the time function takes its element (<see cref="IFunctionKind"/>).</typeparam>
internal sealed class EventTimeStep<T, TSite, TKind>(Delegate timeOf, EventTimeClock<T> clock, FusedStep<T> next, OperatorContext context, FusedRunPosition position, int id)
    : FusedStep<T>
    where TSite : struct
    where TKind : struct, IFunctionKind
{
    private readonly Func<T, DateTimeOffset>? _byValue = timeOf as Func<T, DateTimeOffset>;
    private readonly InFunc<T, DateTimeOffset>? _byReference = timeOf as InFunc<T, DateTimeOffset>;

    public override void Push(in T value, long timestamp)
    {
        position.Step = id;
        long time = EventTime.FromDateTimeOffset(typeof(TKind) == typeof(ByValue) ? _byValue!(value) : _byReference!(in value));
        if (time > clock.Max) clock.Max = time;
        Passed++;
        next.Push(in value, time);
    }

    public override void Fail(in T value, long timestamp, int step, Exception error)
    {
        if (step == id)
        {
            // As the operator does: an element without an event time is handled with none.
            context.Errors.Handle(error, value, EventTime.MinWatermark);
            return;
        }

        // A step after this one failed: the time function gave the element its time, and gives it again (should it
        // throw now, the later failure still stands, without its element).
        long time;
        try
        {
            time = EventTime.FromDateTimeOffset(typeof(TKind) == typeof(ByValue) ? _byValue!(value) : _byReference!(in value));
        }
        catch (Exception)
        {
            next.FailUnnamed(EventTime.MinWatermark, step, error);
            return;
        }

        next.Fail(in value, time, step, error);
    }

    public override void FailUnnamed(long timestamp, int step, Exception error)
    {
        if (step == id) context.Errors.Handle(error, null, EventTime.MinWatermark);
        else next.FailUnnamed(timestamp, step, error);
    }
}
