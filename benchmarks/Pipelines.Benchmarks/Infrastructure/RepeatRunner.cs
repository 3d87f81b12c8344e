using System.Diagnostics;
using System.Globalization;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// The --repeat mode: runs chosen contenders of chosen workloads again and again in one process, round-robin
/// (workload after workload, contender after contender), and prints every run's events/s and each one's median.
/// It shows what BenchmarkDotNet hides by running each benchmark in its own process: whether a pipeline's speed
/// depends on what ran before it in the same process, and (run it several times) whether it differs between
/// processes. Not a replacement for the BenchmarkDotNet numbers: no warmup control, one wall-clock time per run.
/// </summary>
internal static class RepeatRunner
{
    /// <summary>Runs; returns the process exit code.</summary>
    /// <param name="workloads">Workload names (case-insensitive), in run order.</param>
    /// <param name="contenders">Contender names, in run order.</param>
    /// <param name="runs">Rounds.</param>
    /// <param name="syntheticEvents">Events of the synthetic workloads.</param>
    /// <param name="nexmarkEvents">Events of the NEXMark queries.</param>
    /// <param name="diagnostics">What else to print or do per run.</param>
    public static int Run(IReadOnlyList<string> workloads, IReadOnlyList<string> contenders, int runs, int syntheticEvents, int nexmarkEvents, RepeatDiagnostics diagnostics)
    {
        var selected = new List<IWorkload>();
        foreach (string name in workloads)
        {
            var workload = ValidationRunner.AllWorkloads().FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No workload '{name}'; there are: {string.Join(", ", ValidationRunner.AllWorkloads().Select(w => w.Name))}.");
            workload.Prepare(ValidationRunner.IsSynthetic(workload) ? syntheticEvents : nexmarkEvents);
            _ = workload.Reference;
            workload.ReleaseReferenceItems();
            selected.Add(workload);
        }

        var rates = new Dictionary<(string, string), List<double>>();
        var cpuRates = new Dictionary<(string, string), List<double>>();
        var allocations = new Dictionary<(string, string), List<double>>();
        using var process = Process.GetCurrentProcess();
        using var tally = diagnostics.AllocationTypes ? new AllocationTally() : null;
        using var metrics = diagnostics.ListenToMetrics ? new MetricsConsumer() : null;
        for (int round = 1; round <= runs; round++)
        {
            foreach (var workload in selected)
            {
                foreach (string contender in contenders)
                {
                    if (diagnostics.CollectBeforeEachRun) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    var jit = System.Runtime.JitInfo.GetCompilationTime();
                    long methods = System.Runtime.JitInfo.GetCompiledMethodCount();
                    int gcs = GC.CollectionCount(0);
                    long allocated = GC.GetTotalAllocatedBytes(precise: true);
                    long faults = MinorFaults();
                    process.Refresh();
                    var cpu = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    var result = workload.Run(contender);
                    clock.Stop();
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                    process.Refresh();
                    cpu = process.TotalProcessorTime - cpu;
                    jit = System.Runtime.JitInfo.GetCompilationTime() - jit;
                    methods = System.Runtime.JitInfo.GetCompiledMethodCount() - methods;
                    gcs = GC.CollectionCount(0) - gcs;
                    faults = MinorFaults() - faults;
                    if (result != workload.Reference) throw new InvalidOperationException($"{workload.Name}/{contender}: {result} differs from the hand loop's {workload.Reference}.");
                    double rate = workload.EventCount / clock.Elapsed.TotalSeconds;
                    if (!rates.TryGetValue((workload.Name, contender), out var list)) rates[(workload.Name, contender)] = list = [];
                    list.Add(rate);
                    double cpuRate = workload.EventCount / cpu.TotalSeconds;
                    if (!cpuRates.TryGetValue((workload.Name, contender), out var cpuList)) cpuRates[(workload.Name, contender)] = cpuList = [];
                    cpuList.Add(cpuRate);
                    double bytesPerEvent = (double)allocated / workload.EventCount;
                    if (!allocations.TryGetValue((workload.Name, contender), out var allocList)) allocations[(workload.Name, contender)] = allocList = [];
                    allocList.Add(bytesPerEvent);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {round,2} {workload.Name,-8} {contender,-22} {rate / 1e6,8:F1} M events/s  (per CPU second {cpuRate / 1e6,6:F1} M; {clock.Elapsed.TotalMilliseconds:F0} ms, CPU {cpu.TotalMilliseconds:F0} ms; JIT {methods} methods, {jit.TotalMilliseconds:F0} ms; {gcs} GCs; {bytesPerEvent:F1} B/event allocated; {faults} page faults; heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1e6:F0} MB)"));
                    tally?.Print();
                    if (metrics is not null) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    metrics: {metrics.Measurements} measurements so far"));
                }
            }
        }

        Console.WriteLine("median (M events/s), min, max, and ratio to the hand loop's median when it ran:");
        foreach (var ((workload, contender), list) in rates)
        {
            double median = Median(list);
            string ratio = rates.TryGetValue((workload, Contenders.HandLoop), out var hand) ? string.Create(CultureInfo.InvariantCulture, $"{Median(hand) / median,6:F2}x") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workload,-8} {contender,-22} median {median / 1e6,8:F1}  min {list.Min() / 1e6,8:F1}  max {list.Max() / 1e6,8:F1}  {ratio}"));
        }

        // Per CPU second of the whole process (every thread: workers, the background JIT, the GC): on a shared
        // machine this leaves out the time other processes held the cores.
        Console.WriteLine("per CPU second: median (M events/s), min, max, median of runs 2..n, and ratio to the hand loop's median:");
        foreach (var ((workload, contender), list) in cpuRates)
        {
            double median = Median(list);
            double later = list.Count > 1 ? Median(list.Skip(1).ToList()) : median;
            string ratio = cpuRates.TryGetValue((workload, Contenders.HandLoop), out var hand) ? string.Create(CultureInfo.InvariantCulture, $"{Median(hand) / median,6:F2}x") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu {workload,-8} {contender,-22} median {median / 1e6,8:F1}  min {list.Min() / 1e6,8:F1}  max {list.Max() / 1e6,8:F1}  runs 2..n {later / 1e6,8:F1}  {ratio}"));
        }

        // Every thread's allocations during the run (the process's, so a background thread's count too).
        Console.WriteLine("allocated bytes per input event: median, min, max:");
        foreach (var ((workload, contender), list) in allocations)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"alloc {workload,-8} {contender,-22} median {Median(list),8:F1}  min {list.Min(),8:F1}  max {list.Max(),8:F1}"));
        }

        AkkaHost.Shutdown();
        return 0;
    }

    /// <summary>The process's minor page faults so far (Linux; 0 elsewhere): memory the kernel had to map and zero.</summary>
    private static long MinorFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}

/// <summary>Diagnostics of the --repeat mode.</summary>
/// <param name="AllocationTypes">Print what each run allocated, by type (sampled by the runtime about every 100 KB).</param>
/// <param name="CollectBeforeEachRun">A full, compacting garbage collection before each run (shows what a growing heap costs the runs).</param>
/// <param name="ListenToMetrics">Collect the library's metrics while the runs go, as an exporter would (<see cref="MetricsConsumer"/>).</param>
internal readonly record struct RepeatDiagnostics(bool AllocationTypes, bool CollectBeforeEachRun, bool ListenToMetrics);
