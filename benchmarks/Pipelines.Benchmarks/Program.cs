using System.Globalization;
using BenchmarkDotNet.Running;
using Pipelines.Benchmarks.Infrastructure;
using Pipelines.Benchmarks.Latency;
using Pipelines.Benchmarks.Reporting;
using Pipelines.Benchmarks.Suites;

// Modes (see benchmarks/README.md):
//   (default)    BenchmarkDotNet; every BenchmarkDotNet option works (--filter '*', --job dry, --list flat, ...)
//   --quick      a shorter BenchmarkDotNet job (1 warmup, 3 iterations) for small machines
//   --validate   check every contender's output against the hand loop, no timing (--quick: small inputs)
//   --repeat     run contenders again and again in one process, print each run's events/s and the medians
//                (--only TString,TGuid  --contenders HandLoop,PipelinesBounded  --runs 5  --events 10_000_000;
//                --alloc-types: what each run allocated, by type (its listener slows runs that allocate: read the counts,
//                not the speed); --collect: a full garbage collection before each run; --metrics: the library's metrics
//                collected while the runs go, as an exporter would)
//   --checkpoints  streaming runs with and without checkpoints (storage and interval), interleaved; saves each case
//                and writes results/checkpoints.md (--only T,Q5  --parallelism 1,2  --runs 5  --interval-ms 1000
//                (0: only the final checkpoint)  --plain-interval-ms N  --passes N (input read N times; default T 40, Q5 30)  --events N  --nexmark-events N)
//   --latency    the open-loop streaming latency run (--quick: short)
//   --report     write benchmarks/results/README.md and throughput.png from BenchmarkDotNet's JSON results
var options = new List<string>(args);
bool quick = Take(options, "--quick");
bool noReport = Take(options, "--no-report");
string root = Paths.RepositoryRoot();

if (Take(options, "--validate"))
{
    int synthetic = TakeInt(options, "--events") ?? (quick ? 200_000 : Sizes.Synthetic);
    int nexmark = TakeInt(options, "--nexmark-events") ?? (quick ? 200_000 : Sizes.Nexmark);
    return ValidationRunner.Run(synthetic, nexmark, TakeValue(options, "--only"));
}

if (Take(options, "--repeat"))
{
    var workloads = (TakeValue(options, "--only") ?? "TString").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var contenders = (TakeValue(options, "--contenders") ?? $"{Contenders.HandLoop},{Contenders.PipelinesBounded}").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    int runs = TakeInt(options, "--runs") ?? 5;
    int synthetic = TakeInt(options, "--events") ?? (quick ? 2_000_000 : Sizes.Synthetic);
    int nexmark = TakeInt(options, "--nexmark-events") ?? (quick ? 200_000 : Sizes.Nexmark);
    var diagnostics = new RepeatDiagnostics(AllocationTypes: Take(options, "--alloc-types"), CollectBeforeEachRun: Take(options, "--collect"), ListenToMetrics: Take(options, "--metrics"));
    return RepeatRunner.Run(workloads, contenders, runs, synthetic, nexmark, diagnostics);
}

if (Take(options, "--checkpoints"))
{
    string command = "dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- " + string.Join(' ', args);
    var workloads = (TakeValue(options, "--only") ?? "T,Q5").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var parallelism = (TakeValue(options, "--parallelism") ?? "1,2").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    int runs = TakeInt(options, "--runs") ?? 5;
    var interval = TimeSpan.FromMilliseconds(TakeInt(options, "--interval-ms") ?? 1000);
    int? passes = TakeInt(options, "--passes");
    int? plainInterval = TakeInt(options, "--plain-interval-ms");
    int synthetic = TakeInt(options, "--events") ?? (quick ? 2_000_000 : Sizes.Synthetic);
    int nexmark = TakeInt(options, "--nexmark-events") ?? (quick ? 200_000 : Sizes.Nexmark);
    return CheckpointRunner.Run(new CheckpointRunner.Settings(workloads, parallelism, runs, interval, synthetic, nexmark, quick ? passes ?? 2 : passes,
        Paths.Artifacts(root), Paths.Results(root), command, plainInterval is { } ms ? TimeSpan.FromMilliseconds(ms) : null));
}

if (Take(options, "--latency"))
{
    var settings = LatencySettings.Parse(options, quick);
    return await LatencyRunner.RunAsync(settings, Paths.Results(root));
}

if (Take(options, "--report"))
{
    return ReportWriter.Write(Paths.Artifacts(root), Paths.Results(root));
}

bool ownJob = options.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
var config = BenchConfig.Create(quick, addJob: !ownJob, Paths.Artifacts(root));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(SuiteBase<>).Assembly).Run([.. options], config).ToList();
if (summaries.Count > 0 && !noReport && summaries.Any(s => s.Reports.Length > 0))
{
    ReportWriter.Write(Paths.Artifacts(root), Paths.Results(root));
}

return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

static bool Take(List<string> options, string name) => options.Remove(name);

static string? TakeValue(List<string> options, string name)
{
    int i = options.IndexOf(name);
    if (i < 0) return null;
    if (i + 1 >= options.Count) throw new ArgumentException($"{name} needs a value.");
    string value = options[i + 1];
    options.RemoveRange(i, 2);
    return value;
}

static int? TakeInt(List<string> options, string name) =>
    TakeValue(options, name) is { } v ? int.Parse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
