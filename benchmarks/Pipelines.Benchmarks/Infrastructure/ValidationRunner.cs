using System.Diagnostics;
using Pipelines.Benchmarks.Workloads;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>The --validate mode: every contender of every workload against the hand loop, outside BenchmarkDotNet.</summary>
internal static class ValidationRunner
{
    /// <summary>Every workload, in report order.</summary>
    public static IWorkload[] AllWorkloads() =>
    [
        new FilterProject(), new FilterProjectClass(),
        new TumblingCount(), new TumblingCountLong(), new TumblingCountString(), new TumblingCountGuid(), new TumblingCountRecord(),
        new TumblingCount10(), new TumblingCountLong10(), new TumblingCountString10(), new TumblingCountGuid10(),
        new AverageLong(), new AverageString(),
        new Q0Passthrough(), new Q1CurrencyMap(), new Q2Filter(), new Q3LocalItemSuggestion(), new Q4AveragePriceByCategory(), new Q5HotItems(),
        new Q6AverageSellingPrice(), new Q7HighestBid(), new Q8NewUsers(), new Q11Sessions(),
    ];

    /// <summary>Whether the workload runs on the synthetic input (F, T and their variants), not on NEXMark's.</summary>
    public static bool IsSynthetic(IWorkload workload) => workload is not INexmarkWorkload;

    /// <summary>Runs the checks; returns the process exit code (0 when every output matched).</summary>
    /// <param name="syntheticEvents">Events of F and T.</param>
    /// <param name="nexmarkEvents">Events of the NEXMark queries.</param>
    /// <param name="filter">Only workloads or contenders whose name contains this (case-insensitive), or null.</param>
    public static int Run(int syntheticEvents, int nexmarkEvents, string? filter)
    {
        Console.WriteLine($"Validation pass (not a measurement): {syntheticEvents:N0} synthetic events, {nexmarkEvents:N0} NEXMark events.");
        Console.WriteLine($"{"workload",-9} {"contender",-22} {"results",12} {"wall ms",9}  verdict");
        int failures = 0;
        foreach (var workload in AllWorkloads())
        {
            var selected = workload.ContenderNames
                .Where(c => filter is null || workload.Name.Equals(filter, StringComparison.OrdinalIgnoreCase) || c.Contains(filter, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (selected.Count == 0) continue;
            workload.Prepare(IsSynthetic(workload) ? syntheticEvents : nexmarkEvents);
            foreach (var contender in selected)
            {
                var clock = Stopwatch.StartNew();
                string? error;
                try
                {
                    error = workload.Validate(contender);
                }
                catch (Exception ex)
                {
                    error = $"{workload.Name}/{contender} threw {ex.GetType().Name}: {ex.Message}";
                }

                bool ok = error is null;
                if (!ok) failures++;
                Console.WriteLine($"{workload.Name,-9} {contender,-22} {workload.Reference.Count,12:N0} {clock.ElapsedMilliseconds,9:N0}  {(ok ? "OK" : "MISMATCH: " + error)}");
            }

            workload.ReleaseReferenceItems();
        }

        AkkaHost.Shutdown();
        Console.WriteLine(failures == 0 ? "All outputs equal the hand loop's." : $"{failures} contender(s) differ from the hand loop: see MISMATCH above.");
        return failures == 0 ? 0 : 1;
    }
}
