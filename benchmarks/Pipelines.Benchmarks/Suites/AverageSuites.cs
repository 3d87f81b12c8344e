using BenchmarkDotNet.Attributes;
using Pipelines.Benchmarks.Infrastructure;
using Pipelines.Benchmarks.Workloads;

namespace Pipelines.Benchmarks.Suites;

[BenchmarkCategory("AvgLong")]
public class AvgLong_KeyedAverage : SuiteBase<AverageLong>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);
}

[BenchmarkCategory("AvgString")]
public class AvgString_KeyedAverage : SuiteBase<AverageString>
{
    protected override int Events => Sizes.Synthetic;

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic, Baseline = true)]
    public long HandLoop() => Run(Contenders.HandLoop);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesBounded() => Run(Contenders.PipelinesBounded);

    [Benchmark(OperationsPerInvoke = Sizes.Synthetic)]
    public long PipelinesStreamingP1() => Run(Contenders.PipelinesStreamingP1);
}
