using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>
/// A checkpoint that cannot be written is aborted, within <see cref="StreamingOptions.TolerableCheckpointFailures"/>
/// failures in a row: sinks hear that nothing is committed for it, the next checkpoint commits what it covered, and
/// the output stays exactly once. Beyond the limit the run fails saying so.
/// </summary>
public sealed class CheckpointFailureToleranceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-tolerance-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLogger _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private async Task<(Transactional<(string, DateTimeOffset, long)> Output, FailingStorage Storage, Exception? Error)> RunAsync(List<Ev> events, Func<int, bool> failPublish, int tolerable)
    {
        var output = new Transactional<(string, DateTimeOffset, long)>();
        var storage = new FailingStorage(_directory, failPublish);
        var clock = new FakeTimeProvider(Ev.T0);
        var source = new EventSource(events, clock, tick: 100, () => Volatile.Read(ref output.Settled));
        var options = new StreamingOptions
        {
            Parallelism = 2,
            CheckpointStorage = storage,
            CheckpointInterval = TimeSpan.FromSeconds(1),
            TimeProvider = clock,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            TolerableCheckpointFailures = tolerable,
            Logger = _log,
        };
        try
        {
            await new StreamingExecutor(options).RunAsync(Orders.Sums(source, new TransactionalSink<(string, DateTimeOffset, long)>(output)));
            return (output, storage, null);
        }
        catch (PipelineExecutionException ex)
        {
            return (output, storage, ex);
        }
    }

    [Fact]
    public async Task AFailedCheckpointWithinTheTolerance_IsAborted_AndTheNextCommitsItsOutput_ExactlyOnce()
    {
        var events = Orders.Events(seed: 11, count: 2000);
        var expected = await Orders.ExpectedAsync(events);

        var (output, storage, error) = await RunAsync(events, attempt => attempt is 2 or 4 or 5, tolerable: 2);

        error.Should().BeNull();
        storage.Attempts.Should().BeGreaterThan(6, "checkpoints go on after the failed ones");
        output.AbortedCheckpoints.Should().HaveCount(3);
        output.CommittedCheckpoints.Should().NotIntersectWith(output.AbortedCheckpoints);
        output.CommittedCheckpoints.Should().Contain(id => id > output.AbortedCheckpoints.Max(), "a later checkpoint completes");
        output.Committed.Should().BeEquivalentTo(expected, "what the aborted checkpoints covered is committed with the next, once");
        _log.Warnings.Where(w => w.Contains("could not be written", StringComparison.Ordinal)).Should().HaveCount(3)
            .And.Contain(w => w.Contains("2 in a row, 2 tolerated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ByDefault_TheFirstFailedCheckpoint_FailsTheRun_SayingWhy()
    {
        var (output, _, error) = await RunAsync(Orders.Events(seed: 12, count: 2000), attempt => attempt == 2, tolerable: 0);

        error.Should().NotBeNull();
        error!.Message.Should().Match("Checkpoint * of pipeline 'orders' could not be written to failing directory *: 1 checkpoint(s) in a row failed, more than StreamingOptions.TolerableCheckpointFailures (0) allows. IOException: disk full (injected)*");
        output.AbortedCheckpoints.Should().BeEmpty();
    }

    [Fact]
    public async Task MoreFailuresInARowThanTolerated_FailTheRun()
    {
        var (output, _, error) = await RunAsync(Orders.Events(seed: 13, count: 2000), attempt => attempt >= 3, tolerable: 2);

        error!.Message.Should().Contain("3 checkpoint(s) in a row failed, more than StreamingOptions.TolerableCheckpointFailures (2) allows");
        output.AbortedCheckpoints.Should().HaveCount(2);
    }

    [Fact]
    public void ANegativeTolerance_IsRefused() =>
        FluentActions.Invoking(() => new StreamingExecutor(new StreamingOptions { TolerableCheckpointFailures = -1 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("TolerableCheckpointFailures");
}
