using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// The --checkpoints mode: the cost of checkpoints that store state. Each chosen workload runs on the streaming
/// executor (Parallelism 1 and 2) alternately without a checkpoint storage and with
/// <see cref="CheckpointStorage.Directory"/> on a fresh temporary folder at the given interval, round after round;
/// every run's output is checked against the hand loop's. It prints each run's events/s, and writes the medians,
/// the ratio (with / without), the checkpoints per run and their duration and size — read from the library's
/// <c>pipelines.checkpoint.duration</c> and <c>pipelines.checkpoint.size</c> histograms — to results/checkpoints.md.
/// </summary>
internal static class CheckpointRunner
{
    /// <summary>Runs; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> workloads, int runs, TimeSpan interval, int syntheticEvents, int nexmarkEvents, string results, string command)
    {
        var durations = new List<double>();
        var sizes = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Pipelines" && instrument.Name is "pipelines.checkpoint.duration" or "pipelines.checkpoint.size") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (durations) durations.Add(value);
        });
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (durations) sizes.Add(value);
        });
        listener.Start();

        var rows = new List<string>();
        foreach (string name in workloads)
        {
            var workload = ValidationRunner.AllWorkloads().FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No workload '{name}'.");
            workload.Prepare(ValidationRunner.IsSynthetic(workload) ? syntheticEvents : nexmarkEvents);
            _ = workload.Reference;
            workload.ReleaseReferenceItems();
            foreach (int parallelism in new[] { 1, 2 })
            {
                var plain = new List<double>();
                var stored = new List<double>();
                var checkpoints = new List<long>();
                var runDurations = new List<double>();
                var runSizes = new List<long>();
                for (int round = 1; round <= runs; round++)
                {
                    plain.Add(Once(workload, new StreamingOptions { Parallelism = parallelism }, out _));
                    string folder = Path.Combine(Path.GetTempPath(), "pipelines-bench-ckpt-" + Guid.NewGuid().ToString("N"));
                    try
                    {
                        lock (durations)
                        {
                            durations.Clear();
                            sizes.Clear();
                        }

                        var options = new StreamingOptions { Parallelism = parallelism, CheckpointStorage = CheckpointStorage.Directory(folder), CheckpointInterval = interval };
                        stored.Add(Once(workload, options, out var summary));
                        checkpoints.Add(summary.CheckpointsCompleted);
                        lock (durations)
                        {
                            runDurations.AddRange(durations);
                            runSizes.AddRange(sizes);
                        }
                    }
                    finally
                    {
                        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"run {round,2} {workload.Name,-4} P{parallelism} without {plain[^1] / 1e6,7:F2}  with {stored[^1] / 1e6,7:F2} M events/s, {checkpoints[^1]} checkpoints"));
                }

                double without = Median(plain), with = Median(stored);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {workload.Name} | {workload.EventCount:N0} | {parallelism} | {without / 1e6:F2} | {with / 1e6:F2} | **{with / without:P0}** | {checkpoints.Min()}–{checkpoints.Max()} | {Median(runDurations):F1} / {(runDurations.Count == 0 ? 0 : runDurations.Max()):F1} | {(runSizes.Count == 0 ? 0 : Median([.. runSizes.Select(s => (double)s)]) / 1024):F1} |"));
                Console.WriteLine(rows[^1]);
            }
        }

        var text = new StringBuilder()
            .AppendLine("# Checkpoint cost")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Command (from the repository root): `{command}`"))
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Streaming executor, each workload's Pipelines definition, {runs} rounds alternating a run without a checkpoint storage and one with `CheckpointStorage.Directory` on a fresh temporary folder and `CheckpointInterval` = {interval.TotalMilliseconds:0} ms; every run's output is checked against the hand loop's. Medians of events/s per run (wall clock, from build to end; the run with storage includes its final checkpoint). Checkpoint duration (trigger to committed) and size (state parts + manifest) come from the `pipelines.checkpoint.duration` / `pipelines.checkpoint.size` histograms over all runs with storage."))
            .AppendLine()
            .AppendLine(MachineInfo.Describe())
            .AppendLine()
            .AppendLine("| workload | events | parallelism | without (M ev/s) | with checkpoints (M ev/s) | with / without | checkpoints per run | duration median / max (ms) | size median (KiB) |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string row in rows) text.AppendLine(row);
        Directory.CreateDirectory(results);
        File.WriteAllText(Path.Combine(results, "checkpoints.md"), text.ToString());
        Console.WriteLine($"wrote {Path.Combine(results, "checkpoints.md")}");
        AkkaHost.Shutdown();
        return 0;
    }

    private static double Once(IWorkload workload, StreamingOptions options, out RunSummary summary)
    {
        var clock = Stopwatch.StartNew();
        var (count, checksum, s) = workload.RunStreaming(options);
        clock.Stop();
        if ((count, checksum) != workload.Reference) throw new InvalidOperationException($"{workload.Name}: ({count}, {checksum}) differs from the hand loop's {workload.Reference}.");
        summary = s;
        return workload.EventCount / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
