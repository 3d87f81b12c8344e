namespace Pipelines.Tests.Connectors;

/// <summary>An entry of a <see cref="LogSource"/>: a key with its event time.</summary>
public sealed record LogEntry(string Key, DateTimeOffset Time);

/// <summary>A <see cref="LogSource"/>'s position: the index of the next entry to read. A plain record, so it serializes with System.Text.Json.</summary>
public sealed record LogPosition(int Next);

/// <summary>
/// A source written only against the public connector contract, as a user (or a broker connector) would write
/// it: an append-only in-memory log read from a position, committing the position after each successful run.
/// With <c>eventTime</c> it gives every element its event time and declares the watermarks scripted with
/// <see cref="WatermarkAfter"/>; without it, it hands the log to the first operator in place (span reading).
/// </summary>
public sealed class LogSource(bool eventTime, string name = "log") : Source<LogEntry, LogPosition>
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _log = [];
    private readonly Dictionary<int, DateTimeOffset> _watermarks = [];
    private readonly List<LogPosition> _committed = [];
    private int _spanReads;
    private int _timestampReads;
    private int _plainReads;

    public override string Name => name;

    public override bool IsBounded => true;

    public override bool ProvidesEventTime => eventTime;

    /// <summary>Positions committed so far, oldest first.</summary>
    public IReadOnlyList<LogPosition> Committed
    {
        get
        {
            lock (_gate) return [.. _committed];
        }
    }

    /// <summary>How often the executor read in place, with timestamps, or by copying without them.</summary>
    public (int Spans, int WithTimestamps, int Plain) Reads => (_spanReads, _timestampReads, _plainReads);

    public LogSource Append(params LogEntry[] entries)
    {
        _log.AddRange(entries);
        return this;
    }

    /// <summary>Declares <paramref name="watermark"/> right after the entries appended so far.</summary>
    public LogSource WatermarkAfter(DateTimeOffset watermark)
    {
        _watermarks[_log.Count] = watermark;
        return this;
    }

    public override ValueTask<SourceReader<LogEntry, LogPosition>> OpenAsync(SourceContext context, LogPosition? position, CancellationToken cancellationToken)
    {
        int start = position?.Next ?? 0;
        if (start < 0 || start > _log.Count) throw new ArgumentOutOfRangeException(nameof(position), position, $"The log has {_log.Count} entries.");
        return new(new Reader(this, [.. _log], start));
    }

    private sealed class Reader(LogSource source, LogEntry[] log, int start) : SourceReader<LogEntry, LogPosition>
    {
        private int _next = start;
        private DateTimeOffset? _watermark;

        public override bool ProvidesTimestamps => source.ProvidesEventTime;

        public override bool CanReadSpans => !source.ProvidesEventTime;

        public override double? FractionRead => log.Length == 0 ? 1.0 : (double)_next / log.Length;

        public override int TryRead(Span<LogEntry> destination)
        {
            source._plainReads++;
            int n = Math.Min(destination.Length, log.Length - _next);
            log.AsSpan(_next, n).CopyTo(destination);
            _next += n;
            return n;
        }

        public override ReadOnlySpan<LogEntry> ReadSpan(int max)
        {
            source._spanReads++;
            int n = Math.Min(max, log.Length - _next);
            var span = log.AsSpan(_next, n);
            _next += n;
            return span;
        }

        public override int TryRead(Span<LogEntry> destination, Span<long> timestamps)
        {
            source._timestampReads++;
            int n = 0;
            while (n < destination.Length && _next < log.Length)
            {
                destination[n] = log[_next];
                timestamps[n] = log[_next].Time.UtcTicks;
                n++;
                _next++;
                if (source._watermarks.TryGetValue(_next, out var watermark))
                {
                    _watermark = watermark; // declared right after these elements: end the read here
                    break;
                }
            }

            return n;
        }

        public override bool TryTakeWatermark(out DateTimeOffset watermark)
        {
            watermark = _watermark.GetValueOrDefault();
            bool declared = _watermark.HasValue;
            _watermark = null;
            return declared;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_next < log.Length);

        public override LogPosition CapturePosition() => new(_next);

        public override ValueTask CommitAsync(LogPosition position, CancellationToken cancellationToken)
        {
            lock (source._gate) source._committed.Add(position);
            return default;
        }
    }
}
