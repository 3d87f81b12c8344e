using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Pipelines.Benchmarks.Suites;

/// <summary>The BenchmarkDotNet configuration of the suite.</summary>
public static class BenchConfig
{
    /// <summary>
    /// Every invocation processes millions of events (0.01 s to several seconds), so the job is a macro-benchmark
    /// one: no pilot stage, one invocation per iteration, a few warmups. The quick job only has fewer iterations.
    /// </summary>
    /// <param name="quick">Short job for small machines.</param>
    /// <param name="addJob">False when the command line names its own job (e.g. --job dry).</param>
    /// <param name="artifactsPath">Where BenchmarkDotNet writes its results.</param>
    public static IConfig Create(bool quick, bool addJob, string artifactsPath)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Brief)
            .AddColumn(StatisticColumn.OperationsPerSecond)
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
            .WithArtifactsPath(artifactsPath);
        if (addJob)
        {
            var job = Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(quick ? 1 : 3)
                .WithIterationCount(quick ? 3 : 10)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithId(quick ? "Quick" : "Macro");
            config = config.AddJob(job);
        }

        return config;
    }
}
