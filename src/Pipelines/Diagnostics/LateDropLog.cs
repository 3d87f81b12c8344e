using Microsoft.Extensions.Logging;
using Pipelines.Time;

namespace Pipelines.Diagnostics;

/// <summary>
/// Logs late drops of one operator without flooding: the first drop at once, then at most one line per
/// <see cref="Interval"/> with the number dropped since the previous line.
/// </summary>
internal sealed class LateDropLog(ILogger logger, string pipeline, string operatorName, TimeProvider timeProvider)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private long _pending;
    private long _lastLogged = long.MinValue;

    public void Dropped(long eventTime)
    {
        if (!logger.IsEnabled(LogLevel.Warning)) return;
        _pending++;
        long now = timeProvider.GetTimestamp();
        if (_lastLogged != long.MinValue && timeProvider.GetElapsedTime(_lastLogged, now) < Interval) return;
        Log.LateDropped(logger, pipeline, operatorName, _pending, EventTime.Format(eventTime));
        _pending = 0;
        _lastLogged = now;
    }
}
