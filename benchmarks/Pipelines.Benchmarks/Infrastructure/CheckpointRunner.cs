using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// The --checkpoints mode: the cost of checkpoints that store state. Each chosen workload runs on the streaming
/// executor, at each chosen parallelism, over its input read several times (<see cref="IWorkload.ReferenceOver"/>,
/// so a run lasts seconds and a 1 s interval takes several checkpoints), alternately without checkpoints (no
/// storage, no interval) and with <see cref="CheckpointStorage.Directory"/> on a fresh temporary folder at the
/// interval. After one warm-up pair, the rounds alternate which of the two goes first (ABBA), so a drift of the
/// machine's load weighs on both alike; every run's output is checked against the hand loop's. Checkpoint
/// duration, size and alignment come from the library's <c>pipelines.checkpoint.*</c> histograms.
/// Each case (workload, parallelism) is saved as JSON under the artifacts folder, and results/checkpoints.md is
/// rebuilt from every saved case, so cases can be measured in separate, short processes.
/// </summary>
internal static class CheckpointRunner
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>What the mode is asked to do.</summary>
    public sealed record Settings(
        IReadOnlyList<string> Workloads, IReadOnlyList<int> Parallelism, int Rounds, TimeSpan Interval,
        int SyntheticEvents, int NexmarkEvents, int? Passes, string Artifacts, string Results, string Command, TimeSpan? PlainInterval = null);

    /// <summary>One timed run.</summary>
    public sealed record RunResult(
        bool Checkpoints, double Seconds, double CpuSeconds, int Gen2Collections, long CheckpointsCompleted,
        double[] DurationsMs, long[] SizesBytes, double[] AlignmentsMs);

    /// <summary>One case: a workload at one parallelism, every timed run.</summary>
    public sealed record CaseResult(
        string Workload, int EventsPerPass, int Passes, int Parallelism, double IntervalMs, string Command,
        string Machine, DateTimeOffset Measured, List<RunResult> Runs);

    /// <summary>Runs; returns the process exit code.</summary>
    public static int Run(Settings settings)
    {
        var durations = new List<double>();
        var sizes = new List<long>();
        var alignments = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Pipelines" && instrument.Name is "pipelines.checkpoint.duration" or "pipelines.checkpoint.size" or "pipelines.checkpoint.alignment")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (durations) (instrument.Name == "pipelines.checkpoint.duration" ? durations : alignments).Add(value);
        });
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (durations) sizes.Add(value);
        });
        listener.Start();

        string cases = Path.Combine(settings.Artifacts, "checkpoints");
        Directory.CreateDirectory(cases);
        foreach (string name in settings.Workloads)
        {
            var workload = ValidationRunner.AllWorkloads().FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No workload '{name}'.");
            bool synthetic = ValidationRunner.IsSynthetic(workload);
            workload.Prepare(synthetic ? settings.SyntheticEvents : settings.NexmarkEvents);
            int passes = settings.Passes ?? (synthetic ? 40 : 30);
            _ = workload.Reference;
            workload.ReleaseReferenceItems();
            var clock = Stopwatch.StartNew();
            var reference = workload.ReferenceOver(passes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{workload.Name}: {workload.EventCount:N0} events × {passes} passes; reference {reference.Count:N0} results ({clock.Elapsed.TotalSeconds:F1} s)"));

            foreach (int parallelism in settings.Parallelism)
            {
                var result = new CaseResult(workload.Name, workload.EventCount, passes, parallelism, settings.Interval.TotalMilliseconds,
                    settings.Command, MachineInfo.Describe(), DateTimeOffset.UtcNow, []);
                for (int round = 0; round <= settings.Rounds; round++)
                {
                    // Round 0 warms up (JIT tiers, the thread pool, the file system) and is not kept.
                    bool checkpointsFirst = round % 2 == 0;
                    RunResult? plain = null, stored = null;
                    foreach (bool checkpoints in checkpointsFirst ? new[] { true, false } : [false, true])
                    {
                        var run = Once(workload, passes, reference, parallelism, checkpoints ? settings.Interval : null, settings.PlainInterval, durations, sizes, alignments);
                        if (checkpoints) stored = run;
                        else plain = run;
                    }

                    if (round > 0) result.Runs.AddRange([plain!, stored!]);
                    double events = (double)workload.EventCount * passes;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(round == 0 ? "warm-up " : $"round {round,2}")} {workload.Name,-3} P{parallelism} without {events / plain!.Seconds / 1e6,7:F2}  with {events / stored!.Seconds / 1e6,7:F2} M events/s ({stored.Seconds / plain.Seconds:P0} time), "
                        + $"CPU {plain.CpuSeconds:F1} / {stored.CpuSeconds:F1} s, {stored.CheckpointsCompleted} checkpoints, duration p50 {Percentile(stored.DurationsMs, 0.5):F1} max {Max(stored.DurationsMs):F1} ms"));
                }

                File.WriteAllText(Path.Combine(cases, $"{workload.Name}-p{parallelism}.json"), JsonSerializer.Serialize(result, Json));
            }
        }

        var all = Directory.EnumerateFiles(cases, "*.json")
            .Select(f => JsonSerializer.Deserialize<CaseResult>(File.ReadAllText(f), Json)!)
            .OrderBy(c => c.Workload, StringComparer.Ordinal).ThenBy(c => c.Parallelism)
            .ToList();
        string markdown = Report(all);
        Directory.CreateDirectory(settings.Results);
        File.WriteAllText(Path.Combine(settings.Results, "checkpoints.md"), markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {Path.Combine(settings.Results, "checkpoints.md")}");
        AkkaHost.Shutdown();
        return 0;
    }

    private static RunResult Once(IWorkload workload, int passes, (long, ulong) reference, int parallelism, TimeSpan? interval, TimeSpan? plainInterval,
        List<double> durations, List<long> sizes, List<double> alignments)
    {
        string? folder = interval is null ? null : Path.Combine(Path.GetTempPath(), "pipelines-bench-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = folder is null
                ? new StreamingOptions { Parallelism = parallelism, CheckpointInterval = plainInterval ?? Timeout.InfiniteTimeSpan }
                : new StreamingOptions
                {
                    Parallelism = parallelism,
                    CheckpointStorage = CheckpointStorage.Directory(folder),
                    CheckpointInterval = interval!.Value == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : interval.Value,
                };
            GC.Collect();
            GC.WaitForPendingFinalizers();
            lock (durations)
            {
                durations.Clear();
                sizes.Clear();
                alignments.Clear();
            }

            int gen2 = GC.CollectionCount(2);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var (count, checksum, summary) = workload.RunStreaming(options, passes);
            clock.Stop();
            var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            if ((count, checksum) != reference) throw new InvalidOperationException($"{workload.Name}: ({count}, {checksum}) differs from the hand loop's {reference}.");
            if (summary.LateElementsDropped != 0 || summary.ElementsSkipped != 0) throw new InvalidOperationException($"{workload.Name}: the run dropped elements: {summary}.");
            lock (durations)
            {
                return new RunResult(folder is not null, clock.Elapsed.TotalSeconds, cpuUsed.TotalSeconds, GC.CollectionCount(2) - gen2,
                    summary.CheckpointsCompleted, [.. durations], [.. sizes], [.. alignments]);
            }
        }
        finally
        {
            if (folder is not null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The markdown of results/checkpoints.md, from every saved case.</summary>
    private static string Report(List<CaseResult> cases)
    {
        var text = new StringBuilder()
            .AppendLine("# Checkpoint cost")
            .AppendLine()
            .AppendLine("Generated by `--checkpoints` (notes written by hand may follow the tables). Per case, the command that measured it (from the repository root):")
            .AppendLine();
        foreach (var c in cases)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {c.Workload} P{c.Parallelism}: `{c.Command}` ({c.Measured:yyyy-MM-dd HH:mm} UTC; {c.Machine})"));
        }

        text.AppendLine()
            .AppendLine("Throughput: events/s over the whole run (build to end; the run with checkpoints includes its final checkpoint), median and range over the rounds. "
                + "*with / without*: ratio of the medians; *paired*: the median (and range) of each round's own ratio, the two runs of a round being back to back. "
                + "*CPU*: process CPU time of the run with checkpoints over the one without (medians).")
            .AppendLine()
            .AppendLine("| workload | events | P | interval | rounds | without (M ev/s) | with checkpoints (M ev/s) | with / without | paired | CPU with / without |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in cases)
        {
            double events = (double)c.EventsPerPass * c.Passes;
            var plain = c.Runs.Where(r => !r.Checkpoints).ToList();
            var stored = c.Runs.Where(r => r.Checkpoints).ToList();
            var plainRate = plain.Select(r => events / r.Seconds / 1e6).ToList();
            var storedRate = stored.Select(r => events / r.Seconds / 1e6).ToList();
            var paired = plain.Zip(stored, (p, s) => p.Seconds / s.Seconds).ToList();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Workload} | {c.EventsPerPass / 1e6:0.#}M × {c.Passes} | {c.Parallelism} | {(c.IntervalMs == 0 ? "end only" : $"{c.IntervalMs / 1000:0.###} s")} | {plain.Count} | "
                + $"{Percentile(plainRate, 0.5):F1} ({plainRate.Min():F1}–{plainRate.Max():F1}) | {Percentile(storedRate, 0.5):F1} ({storedRate.Min():F1}–{storedRate.Max():F1}) | "
                + $"**{Percentile(storedRate, 0.5) / Percentile(plainRate, 0.5):P0}** | {Percentile(paired, 0.5):P0} ({paired.Min():P0}–{paired.Max():P0}) | "
                + $"{Percentile(stored.Select(r => r.CpuSeconds), 0.5) / Percentile(plain.Select(r => r.CpuSeconds), 0.5):P0} |"));
        }

        text.AppendLine()
            .AppendLine("Checkpoints of the runs with checkpoints: per run (the drained run's final checkpoint included), and over all of them the duration (barrier injected to committed), "
                + "the bytes written (state parts and manifest) and the barrier alignment of the stage workers (first to last input past the barrier; 0 for a worker with one input).")
            .AppendLine()
            .AppendLine("| workload | P | run length (s) | checkpoints per run | duration p50 / max (ms) | size per checkpoint p50 / max (KiB) | alignment p50 / max (ms) |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in cases)
        {
            var stored = c.Runs.Where(r => r.Checkpoints).ToList();
            var d = stored.SelectMany(r => r.DurationsMs).ToList();
            var s = stored.SelectMany(r => r.SizesBytes).Select(b => b / 1024.0).ToList();
            var a = stored.SelectMany(r => r.AlignmentsMs).ToList();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Workload} | {c.Parallelism} | {Percentile(stored.Select(r => r.Seconds), 0.5):F1} | {stored.Min(r => r.CheckpointsCompleted)}–{stored.Max(r => r.CheckpointsCompleted)} | "
                + $"{Percentile(d, 0.5):F1} / {Max(d):F1} | {Percentile(s, 0.5):F1} / {Max(s):F1} | {(a.Count == 0 ? "–" : $"{Percentile(a, 0.5):F2} / {Max(a):F2}")} |"));
        }

        return text.ToString();
    }

    private static double Max(IEnumerable<double> values) => values.DefaultIfEmpty(0).Max();

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return 0;
        double rank = p * (sorted.Count - 1);
        int low = (int)Math.Floor(rank);
        int high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
