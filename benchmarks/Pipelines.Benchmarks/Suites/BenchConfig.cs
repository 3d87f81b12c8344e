using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Pipelines.Benchmarks.Suites;

/// <summary>The BenchmarkDotNet configuration of the suite.</summary>
public static class BenchConfig
{
    /// <summary>
    /// Every invocation processes 1M–10M events (a few milliseconds to several seconds). BenchmarkDotNet's
    /// throughput strategy then picks one invocation per iteration for the slow contenders and several for the
    /// fast ones (so no iteration is a few milliseconds long); the warmups let tiered JIT settle. The quick job only
    /// has fewer warmups and iterations.
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
                .WithLaunchCount(1)
                .WithWarmupCount(quick ? 2 : 5)
                .WithIterationCount(quick ? 3 : 10)
                .WithUnrollFactor(1)
                .WithMinInvokeCount(1)
                .WithId(quick ? "Quick" : "Macro");
            config = config.AddJob(job);
        }

        return config;
    }
}
