using System.Diagnostics;
using Pipelines.Time;

namespace Pipelines.Runtime;

/// <summary>
/// Combines the watermarks of a stage's inputs: the stage's watermark is the minimum over its active inputs,
/// never goes backwards, ignores idle inputs until they send again (when all are idle, it moves to the
/// furthest of them), and reaches +∞ when every input has ended.
/// </summary>
internal sealed class WatermarkMerger
{
    private readonly long[] _watermarks;
    private readonly bool[] _idle;
    private readonly bool[] _ended;
    private int _endedCount;

    /// <summary>A merger of <paramref name="inputs"/> inputs, numbered from 0, each at −∞.</summary>
    public WatermarkMerger(int inputs)
    {
        _watermarks = new long[inputs];
        _idle = new bool[inputs];
        _ended = new bool[inputs];
        _watermarks.AsSpan().Fill(EventTime.MinWatermark);
    }

    public long Current { get; private set; } = EventTime.MinWatermark;

    public bool AllEnded => _endedCount == _watermarks.Length;

    /// <summary>How many inputs there are.</summary>
    public int Inputs => _watermarks.Length;

    /// <summary>True when <paramref name="input"/> has ended.</summary>
    public bool IsEnded(int input) => _ended[input];

    /// <summary>Marks the input active (it sent data); returns true when that holds the watermark back again.</summary>
    public void MarkActive(int input) => _idle[input] = false;

    /// <summary>Records an input's watermark; returns true and the new combined watermark when it advanced.</summary>
    public bool OnWatermark(int input, long watermark, out long combined)
    {
        _idle[input] = false;
        if (watermark > _watermarks[input]) _watermarks[input] = watermark;
        return Recompute(out combined);
    }

    /// <summary>Marks an input idle; returns true when the combined watermark advanced because of it.</summary>
    public bool OnIdle(int input, out long combined)
    {
        _idle[input] = true;
        return Recompute(out combined);
    }

    /// <summary>True when every input that has not ended is idle.</summary>
    public bool AllIdle
    {
        get
        {
            for (int i = 0; i < _idle.Length; i++)
            {
                if (!_ended[i] && !_idle[i]) return false;
            }

            return !AllEnded;
        }
    }

    /// <summary>Marks an input ended; returns true and the new combined watermark when it advanced.</summary>
    public bool OnEnd(int input, out long combined)
    {
        Debug.Assert(!_ended[input], "An input ended twice.");
        _ended[input] = true;
        _endedCount++;
        _watermarks[input] = EventTime.MaxWatermark;
        return Recompute(out combined);
    }

    private bool Recompute(out long combined)
    {
        // Ended inputs hold nothing back and push nothing forward: only inputs that can still send count. An input
        // at +∞ has sent its last element (its end follows), so it counts as ended too: its +∞ must not carry the
        // watermark past an idle input that may still send.
        long min = EventTime.MaxWatermark, max = EventTime.MinWatermark;
        bool anyActive = false, anyLive = false;
        for (int i = 0; i < _watermarks.Length; i++)
        {
            if (_ended[i] || _watermarks[i] == EventTime.MaxWatermark) continue;
            anyLive = true;
            if (_watermarks[i] > max) max = _watermarks[i];
            if (_idle[i]) continue;
            anyActive = true;
            if (_watermarks[i] < min) min = _watermarks[i];
        }

        // When every live input is idle, nothing holds the watermark back any more: it moves to the furthest
        // of them. Only when no input can send any more does it reach +∞.
        if (!anyActive) min = anyLive ? max : EventTime.MaxWatermark;
        combined = Current;
        if (min <= Current) return false;
        Current = min;
        combined = min;
        return true;
    }
}
