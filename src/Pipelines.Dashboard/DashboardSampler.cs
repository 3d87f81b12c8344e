using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelines.Dashboard.Kafka;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard;

/// <summary>
/// Takes a snapshot of every listed run once a second and keeps the last <see cref="Kept"/> per run: the
/// charts' history and the rates (differences between the last two samples). In memory only; runs no longer
/// listed by <see cref="PipelineMonitor"/> are forgotten. Each tick also collects the Kafka partitions' instruments
/// (<see cref="Kafka"/>), and forgets the partitions no listed run shows.
/// </summary>
internal sealed class DashboardSampler : IDisposable
{
    public const int Kept = 300;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, SampleRing> _rings = new();
    private readonly Lock _tick = new();
    private readonly ITimer _timer;

    private readonly ILogger _logger;

    public DashboardSampler(TimeProvider timeProvider, ILogger? logger = null)
    {
        Clock = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _timer = timeProvider.CreateTimer(_ => Tick(), null, TimeSpan.Zero, Interval);
    }

    public TimeProvider Clock { get; }

    /// <summary>The Kafka partitions of this process, from the Kafka package's meter and the moving-state instruments.</summary>
    public KafkaPartitionListener Kafka { get; } = new();

    /// <summary>The samples of run <paramref name="id"/>, oldest first.</summary>
    public IReadOnlyList<Sample> SamplesOf(long id) => _rings.TryGetValue(id, out var ring) ? ring.ToList() : [];

    /// <summary>
    /// The timer's tick: a sample that fails (an instrument's callback threw) is logged and the next tick tries
    /// again — an exception on the timer's thread would end the process.
    /// </summary>
    private void Tick()
    {
        try
        {
            Sample();
        }
        catch (Exception ex)
        {
            DashboardLog.SampleFailed(_logger, ex);
        }
    }

    /// <summary>Samples every listed run now (the timer calls this each second).</summary>
    public void Sample()
    {
        lock (_tick)
        {
            var runs = PipelineMonitor.Runs;
            var now = Clock.GetUtcNow();
            Kafka.Collect(now);
            foreach (var run in runs)
            {
                var ring = _rings.GetOrAdd(run.Id, static _ => new SampleRing(Kept));
                if (ring.Last is { Snapshot.State: not (RunState.Running or RunState.Draining) }) continue; // ended: its history is complete
                ring.Add(new Sample(now, run.Snapshot()));
            }

            foreach (long id in _rings.Keys)
            {
                if (!runs.Any(r => r.Id == id)) _rings.TryRemove(id, out _);
            }

            Kafka.Retain();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Kafka.Dispose();
    }
}
