using System.Diagnostics;

namespace Pipelines.Diagnostics;

/// <summary>
/// Where one task of the streaming executor (a source task or a stage worker) spends its time: waiting for
/// input (idle), waiting for room in a full output channel (backpressured), or neither (busy). The task's loop
/// wraps each wait in <see cref="Idle"/> or <see cref="Backpressured"/>; busy is the rest. Costs two
/// <see cref="Stopwatch.GetTimestamp"/> calls per wait, nothing per element or per batch.
/// </summary>
/// <remarks>
/// One task writes, any thread reads. A wait in progress is counted up to the moment of reading, so a task
/// blocked for a long time shows as idle or backpressured, not busy. A reader racing the end of a wait may
/// briefly miss that wait (never counts it twice).
/// </remarks>
internal sealed class TaskClock
{
    private const int IdleKind = 1;
    private const int BackpressuredKind = 2;

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _stopped;
    private long _idle;
    private long _backpressured;
    private long _waitStarted;
    private int _waitKind;

    /// <summary>Starts an idle wait (for input); dispose the result when the wait ends.</summary>
    public Wait Idle() => Begin(IdleKind);

    /// <summary>Starts a backpressured wait (for room downstream); dispose the result when the wait ends.</summary>
    public Wait Backpressured() => Begin(BackpressuredKind);

    /// <summary>The task has ended: its times stop growing.</summary>
    public void Stop()
    {
        if (Volatile.Read(ref _stopped) == 0) Volatile.Write(ref _stopped, Stopwatch.GetTimestamp());
    }

    /// <summary>Busy, backpressured and idle time so far.</summary>
    public (TimeSpan Busy, TimeSpan Backpressured, TimeSpan Idle) Read()
    {
        long idle = Volatile.Read(ref _idle), backpressured = Volatile.Read(ref _backpressured);
        long stopped = Volatile.Read(ref _stopped);
        long now = stopped != 0 ? stopped : Stopwatch.GetTimestamp();
        long waitStarted = Volatile.Read(ref _waitStarted);
        if (waitStarted != 0 && stopped == 0)
        {
            long waiting = Math.Max(0, now - waitStarted);
            if (Volatile.Read(ref _waitKind) == IdleKind) idle += waiting;
            else backpressured += waiting;
        }

        long total = Math.Max(0, now - _started);
        idle = Math.Min(idle, total);
        backpressured = Math.Min(backpressured, total - idle);
        return (Ticks(total - idle - backpressured), Ticks(backpressured), Ticks(idle));
    }

    private Wait Begin(int kind)
    {
        Volatile.Write(ref _waitKind, kind);
        long now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _waitStarted, now);
        return new Wait(this, kind, now);
    }

    private void End(int kind, long started)
    {
        long elapsed = Stopwatch.GetTimestamp() - started;
        // Clear the wait first, then add it: a reader in between misses it for a moment, never counts it twice.
        Volatile.Write(ref _waitStarted, 0);
        if (kind == IdleKind) Volatile.Write(ref _idle, _idle + elapsed);
        else Volatile.Write(ref _backpressured, _backpressured + elapsed);
    }

    private static TimeSpan Ticks(long timestamps) => Stopwatch.GetElapsedTime(0, timestamps);

    /// <summary>One wait in progress; ends when disposed.</summary>
    public readonly struct Wait(TaskClock clock, int kind, long started) : IDisposable
    {
        public void Dispose() => clock?.End(kind, started);
    }
}
