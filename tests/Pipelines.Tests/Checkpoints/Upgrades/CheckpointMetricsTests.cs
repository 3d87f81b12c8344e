using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>The checkpoint instruments of the <c>Pipelines</c> meter, read with a <see cref="MeterListener"/>.</summary>
public sealed class CheckpointMetricsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-metrics-" + Guid.NewGuid().ToString("N"));
    private readonly string _pipeline = "metrics-" + Guid.NewGuid().ToString("N")[..8];
    private readonly Lock _gate = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];
    private readonly MeterListener _listener = new();

    public CheckpointMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pipelines" && instrument.Name.StartsWith("pipelines.checkpoint", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (var tag in tags) map[tag.Key] = tag.Value;
        if (!Equals(map.GetValueOrDefault("pipeline"), _pipeline)) return;
        lock (_gate) _measurements.Add((instrument.Name, value, map));
    }

    private List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument)
    {
        lock (_gate) return [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];
    }

    private StreamingOptions Options(FakeTimeProvider clock, CheckpointStorage storage, int tolerable = 0) => new()
    {
        Parallelism = 2,
        CheckpointStorage = storage,
        CheckpointInterval = TimeSpan.FromSeconds(1),
        TimeProvider = clock,
        IdleTimeout = Timeout.InfiniteTimeSpan,
        TolerableCheckpointFailures = tolerable,
    };

    [Fact]
    public async Task Checkpoints_Savepoints_AndRestores_AreMeasured()
    {
        var events = Orders.Events(seed: 21, count: 1000);
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock) { Limit = 400 };
        var run = new StreamingExecutor(Options(clock, CheckpointStorage.Directory(_directory)))
            .Start(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output), name: _pipeline));
        await Wait.UntilAsync(() => source.Read == 400, run, "400 elements read");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(() => run.CheckpointsCompleted == 1, run, "a checkpoint completed");
        _listener.RecordObservableInstruments();
        var savepoint = await run.StopWithSavepointAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Of("pipelines.checkpoint.last_completed").Should().ContainSingle().Which.Value.Should().Be(1, "the gauge reports the last completed checkpoint while the run is alive");
        var durations = Of("pipelines.checkpoint.duration");
        durations.Select(d => d.Tags["kind"]).Should().Equal("checkpoint", "savepoint");
        durations.Should().OnlyContain(d => d.Value >= 0);
        var sizes = Of("pipelines.checkpoint.size");
        sizes.Should().HaveCount(2).And.OnlyContain(s => s.Value > 1000, "each wrote the window's state of two workers and a manifest");
        Of("pipelines.checkpoints.completed").Select(c => c.Tags["kind"]).Should().Equal("checkpoint", "savepoint");
        Of("pipelines.checkpoint.alignment").Should().HaveCount(6, "the window's two workers and the sink aligned each barrier")
            .And.OnlyContain(a => a.Value >= 0);
        Of("pipelines.checkpoint.restores").Should().BeEmpty();
        savepoint.CheckpointId.Should().Be(2);

        source.Limit = int.MaxValue;
        await new StreamingExecutor(Options(new FakeTimeProvider(Ev.T0), CheckpointStorage.Directory(_directory)))
            .RunAsync(Orders.Sums(new EventSource(events), new TransactionalSink<(string, DateTimeOffset, long)>(output), name: _pipeline));

        Of("pipelines.checkpoint.restores").Should().ContainSingle().Which.Value.Should().Be(1);
        Of("pipelines.checkpoint.restore.duration").Should().ContainSingle().Which.Value.Should().BeGreaterThan(0);
        Of("pipelines.checkpoints.failed").Should().BeEmpty();
    }

    [Fact]
    public async Task FailedCheckpoints_AreCounted()
    {
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var clock = new FakeTimeProvider(Ev.T0);
        var storage = new FailingStorage(_directory, attempt => attempt == 1);
        var source = new EventSource(Orders.Events(seed: 22, count: 500), clock, tick: 100, () => Volatile.Read(ref output.Settled));

        await new StreamingExecutor(Options(clock, storage, tolerable: 1))
            .RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output), name: _pipeline));

        Of("pipelines.checkpoints.failed").Should().ContainSingle().Which.Value.Should().Be(1);
        Of("pipelines.checkpoints.completed").Should().NotBeEmpty();
    }
}
