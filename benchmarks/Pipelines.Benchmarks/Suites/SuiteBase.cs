using BenchmarkDotNet.Attributes;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Suites;

/// <summary>
/// What every workload's benchmark class shares: before a contender is timed its whole output is checked equal
/// to the hand loop's (in its GlobalSetup, so a mismatch fails that benchmark with the difference), and every
/// timed invocation checks count and checksum again (so an element lost under load fails the run too).
/// </summary>
/// <typeparam name="TWorkload">The workload.</typeparam>
public abstract class SuiteBase<TWorkload>
    where TWorkload : IWorkload, new()
{
    private readonly TWorkload _workload = new();
    private (long Count, ulong Checksum) _expected;

    /// <summary>Input events of the timed runs.</summary>
    protected abstract int Events { get; }

    [GlobalSetup(Target = Contenders.HandLoop)]
    public void SetupHandLoop() => Setup(Contenders.HandLoop);

    [GlobalSetup(Target = Contenders.Linq)]
    public void SetupLinq() => Setup(Contenders.Linq);

    [GlobalSetup(Target = Contenders.Rx)]
    public void SetupRx() => Setup(Contenders.Rx);

    [GlobalSetup(Target = Contenders.RxGroupBy)]
    public void SetupRxGroupBy() => Setup(Contenders.RxGroupBy);

    [GlobalSetup(Target = Contenders.Dataflow)]
    public void SetupDataflow() => Setup(Contenders.Dataflow);

    [GlobalSetup(Target = Contenders.DataflowBatched)]
    public void SetupDataflowBatched() => Setup(Contenders.DataflowBatched);

    [GlobalSetup(Target = Contenders.Channels)]
    public void SetupChannels() => Setup(Contenders.Channels);

    [GlobalSetup(Target = Contenders.ChannelsBatched)]
    public void SetupChannelsBatched() => Setup(Contenders.ChannelsBatched);

    [GlobalSetup(Target = Contenders.AkkaStreams)]
    public void SetupAkkaStreams() => Setup(Contenders.AkkaStreams);

    [GlobalSetup(Target = Contenders.PipelinesBounded)]
    public void SetupPipelinesBounded() => Setup(Contenders.PipelinesBounded);

    [GlobalSetup(Target = Contenders.PipelinesStreamingP1)]
    public void SetupPipelinesStreamingP1() => Setup(Contenders.PipelinesStreamingP1);

    [GlobalSetup(Target = Contenders.PipelinesStreamingP2)]
    public void SetupPipelinesStreamingP2() => Setup(Contenders.PipelinesStreamingP2);

    [GlobalCleanup]
    public void Cleanup() => AkkaHost.Shutdown();

    /// <summary>Runs one contender once and checks its count and checksum.</summary>
    /// <param name="contender">The contender.</param>
    protected long Run(string contender)
    {
        var actual = _workload.Run(contender);
        if (actual != _expected)
        {
            throw new InvalidOperationException(
                $"VALIDATION FAILED during timing: workload {_workload.Name}, contender {contender}: {actual.Count:N0} results with checksum {actual.Checksum:X16}, " +
                $"expected {_expected.Count:N0} with checksum {_expected.Checksum:X16} (the hand loop's).");
        }

        return actual.Count;
    }

    private void Setup(string contender)
    {
        _workload.Prepare(Events);
        string? error = _workload.Validate(contender);
        if (error is not null) throw new InvalidOperationException("VALIDATION FAILED: " + error);
        _expected = _workload.Reference;
        _workload.ReleaseReferenceItems();
        Console.WriteLine($"// Validated {_workload.Name}/{contender}: {_expected.Count:N0} results equal to the hand loop's over {Events:N0} events.");
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
