using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Testing;

/// <summary>
/// A scripted, bounded source for tests (in the spirit of Beam's TestStream and Kafka Streams'
/// TopologyTestDriver): elements with explicit event times, watermark advances and processing-time advances,
/// in the order written. Its stream has event time without <c>WithEventTime</c>; the watermark is exactly what
/// the script says. Under the bounded executor watermark steps are ignored (the watermark is +∞ at the end
/// only); under the streaming executor they travel in-band, and a processing-time step advances
/// <see cref="Clock"/> only once every stage has processed everything before it (and whatever the stages emitted
/// for it), however many stages and workers lie between the source and the sinks (a stage that waits for the clock
/// itself, as <c>Throttle</c> does, is not waited for: only the step ends its wait). Pass
/// <see cref="Clock"/> as <see cref="StreamingOptions.TimeProvider"/> so early triggers follow the script, and
/// leave <see cref="StreamingOptions.Linger"/> at zero (its default): a source that lingers keeps elements in a
/// batch while it waits for more, and the script's next processing-time step would move the clock before they
/// reach the stages.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class TestStream<T> : Source<T>
{
    private readonly List<Step> _steps = [];
    private readonly string _name;
    private int _reading;

    /// <summary>Creates an empty script.</summary>
    /// <param name="clock">The processing-time clock to advance; a new one starting at 2000-01-01 UTC when null.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public TestStream(FakeTimeProvider? clock = null, string? name = null)
    {
        Clock = clock ?? new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _name = name ?? $"TestStream<{TypeName(typeof(T))}>";
    }

    /// <summary>The clock the script advances.</summary>
    public FakeTimeProvider Clock { get; }

    /// <inheritdoc />
    public override string Name => _name;

    /// <inheritdoc />
    public override bool IsBounded => true;

    /// <summary>True: every element carries the event time the script gives it.</summary>
    public override bool ProvidesEventTime => true;

    /// <summary>Adds elements, all with event time <paramref name="timestamp"/>.</summary>
    /// <param name="timestamp">Their event time.</param>
    /// <param name="elements">The elements.</param>
    public TestStream<T> Add(DateTimeOffset timestamp, params T[] elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var element in elements) _steps.Add(new Step(StepKind.Element, element, timestamp.UtcTicks, default));
        return this;
    }

    /// <summary>Adds elements whose event time a selector gives.</summary>
    /// <param name="timestampOf">The event time of an element.</param>
    /// <param name="elements">The elements.</param>
    public TestStream<T> Add(Func<T, DateTimeOffset> timestampOf, IEnumerable<T> elements)
    {
        ArgumentNullException.ThrowIfNull(timestampOf);
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var element in elements) _steps.Add(new Step(StepKind.Element, element, timestampOf(element).UtcTicks, default));
        return this;
    }

    /// <summary>Declares that no element at or before <paramref name="watermark"/> follows (except late ones).</summary>
    /// <param name="watermark">The new watermark; must not be before an earlier one.</param>
    public TestStream<T> AdvanceWatermarkTo(DateTimeOffset watermark)
    {
        long ticks = watermark.UtcTicks;
        var previous = _steps.LastOrDefault(s => s.Kind == StepKind.Watermark);
        if (previous is not null && previous.Value > ticks)
        {
            throw new ArgumentOutOfRangeException(nameof(watermark), watermark, $"Watermarks never go backwards: the script already advanced to {new DateTimeOffset(previous.Value, TimeSpan.Zero):O}.");
        }

        _steps.Add(new Step(StepKind.Watermark, default, ticks, default));
        return this;
    }

    /// <summary>Advances <see cref="Clock"/> once every stage has processed everything before this step (<see cref="SourceContext.WhenDownstreamIdleAsync"/>).</summary>
    /// <param name="by">How far; positive.</param>
    public TestStream<T> AdvanceProcessingTime(TimeSpan by)
    {
        if (by <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "Processing time only moves forward.");
        _steps.Add(new Step(StepKind.ProcessingTime, default, 0, by));
        return this;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One run reads the script at a time, since the script advances one <see cref="Clock"/>; a later run reads it
    /// again from the start, with the clock where the earlier run left it.
    /// </remarks>
    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException(
                $"Source '{_name}' is being read by another run (or another stream of this pipeline), and two readers would advance its one Clock twice. " +
                "Give each run its own TestStream, or wait for the other run to end.");
        }

        return new(new Reader([.. _steps], Clock, context, () => Volatile.Write(ref _reading, 0)));
    }

    private enum StepKind
    {
        Element,
        Watermark,
        ProcessingTime,
    }

    /// <summary>A step; <paramref name="Value"/> is an event time or a watermark in UTC ticks.</summary>
    private sealed record Step(StepKind Kind, T? Element, long Value, TimeSpan Advance);

    private static string TypeName(Type type)
    {
        if (!type.IsGenericType) return type.Name;
        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick >= 0 ? name[..tick] : name)}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>";
    }

    /// <summary>
    /// Plays the script: elements with their event times until a watermark step (taken with
    /// <see cref="TryTakeWatermark"/> right after the read that reached it) or a processing-time step (played in
    /// <see cref="WaitToReadAsync"/>, which the executor calls only once everything read before has been handed
    /// downstream, and which moves the clock once every stage has processed it: <see cref="SourceContext.WhenDownstreamIdleAsync"/>).
    /// </summary>
    private sealed class Reader(Step[] steps, FakeTimeProvider clock, SourceContext context, Action closed) : SourceReader<T>
    {
        private Action? _closed = closed;

        public override ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _closed, null)?.Invoke();
            return base.DisposeAsync();
        }

        private int _position;
        private long? _watermark;

        public override bool ProvidesTimestamps => true;

        /// <summary>Elements without their times, for callers that do not ask for them.</summary>
        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && TryNext(out var step))
            {
                destination[n++] = step.Element!;
            }

            return n;
        }

        public override int TryRead(Span<T> destination, Span<long> timestamps)
        {
            int n = 0;
            while (n < destination.Length && TryNext(out var step))
            {
                destination[n] = step.Element!;
                timestamps[n] = step.Value;
                n++;
            }

            return n;
        }

        public override bool TryTakeWatermark(out DateTimeOffset watermark)
        {
            bool has = _watermark.HasValue;
            watermark = has ? new DateTimeOffset(_watermark!.Value, TimeSpan.Zero) : default;
            _watermark = null;
            return has;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            // Everything before a processing-time step has been handed downstream when the executor waits here; the
            // clock moves once every stage has processed it, so no stage sees the new time before an element of the old.
            while (_position < steps.Length && steps[_position].Kind == StepKind.ProcessingTime)
            {
                await context.WhenDownstreamIdleAsync(cancellationToken).ConfigureAwait(false);
                clock.Advance(steps[_position].Advance);
                _position++;
            }

            return _position < steps.Length;
        }

        /// <summary>The next element step, unless a watermark waits to be taken or a processing-time step comes first; a watermark step is consumed into <see cref="_watermark"/>.</summary>
        private bool TryNext(out Step step)
        {
            step = null!;
            if (_watermark is not null || _position >= steps.Length) return false;
            var next = steps[_position];
            if (next.Kind == StepKind.ProcessingTime) return false;
            _position++;
            if (next.Kind == StepKind.Watermark)
            {
                _watermark = next.Value;
                return false;
            }

            step = next;
            return true;
        }
    }
}
