namespace Pipelines.Reactive.Tests;

/// <summary>A sink that records each result and then waits at a gate, so a test can hold the pipeline still.</summary>
internal sealed class GateSink
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly List<int> _received = [];

    public Sink<int> Sink => Sinks.Action<int>(async (x, ct) =>
    {
        lock (_received) _received.Add(x);
        await _gate.WaitAsync(ct);
    }, "gate");

    public int[] Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public void Open() => _gate.Release(1_000_000);
}
