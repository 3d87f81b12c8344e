namespace Pipelines.Benchmarks.Suites;

/// <summary>Input sizes of the timed runs (constants: BenchmarkDotNet's OperationsPerInvoke needs them at compile time).</summary>
public static class Sizes
{
    /// <summary>Events of the synthetic workloads F and T.</summary>
    public const int Synthetic = 10_000_000;

    /// <summary>Events of the NEXMark queries (100 s of event time at 10,000 events/s).</summary>
    public const int Nexmark = 1_000_000;
}
