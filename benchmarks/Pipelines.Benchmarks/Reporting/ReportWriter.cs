using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Reporting;

/// <summary>One benchmark's numbers, read from BenchmarkDotNet's JSON.</summary>
internal sealed record Measurement(string Workload, string Contender, double NsPerEvent, double? BytesPerEvent, double StdDevNs, string Job, DateTime FileTime);

/// <summary>
/// The --report mode (also run after every BenchmarkDotNet run): reads the latest '*-report-brief.json' of each
/// benchmark class and writes benchmarks/results/README.md (tables, machine, method) and throughput.png (each
/// contender's throughput as a ratio to the hand loop's, per workload).
/// </summary>
internal static class ReportWriter
{
    public static int Write(string artifactsFolder, string resultsFolder)
    {
        string jsonFolder = Path.Combine(artifactsFolder, "results");
        var files = Directory.Exists(jsonFolder) ? Directory.GetFiles(jsonFolder, "*-report-brief.json") : [];
        if (files.Length == 0)
        {
            Console.Error.WriteLine($"No BenchmarkDotNet results in {jsonFolder}: run the benchmarks first (dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --filter '*').");
            return 1;
        }

        var measurements = new List<Measurement>();
        string host = "";
        foreach (var file in files.OrderBy(File.GetLastWriteTimeUtc))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            if (root.TryGetProperty("HostEnvironmentInfo", out var info)) host = DescribeHost(info);
            foreach (var b in root.GetProperty("Benchmarks").EnumerateArray())
            {
                if (!b.TryGetProperty("Statistics", out var stats) || stats.ValueKind != JsonValueKind.Object) continue;
                string type = b.GetProperty("Type").GetString() ?? "";
                string workload = type.Split('_')[0];
                double? bytes = b.TryGetProperty("Memory", out var memory) && memory.ValueKind == JsonValueKind.Object
                    && memory.TryGetProperty("BytesAllocatedPerOperation", out var bpo) && bpo.ValueKind == JsonValueKind.Number ? bpo.GetDouble() : null;
                string job = b.TryGetProperty("DisplayInfo", out var display) ? JobOf(display.GetString() ?? "") : "";
                measurements.Add(new Measurement(workload, b.GetProperty("Method").GetString() ?? "", stats.GetProperty("Mean").GetDouble(), bytes,
                    stats.GetProperty("StandardDeviation").GetDouble(), job, File.GetLastWriteTimeUtc(file)));
            }
        }

        // The latest measurement of each (workload, contender) wins.
        var latest = measurements.GroupBy(m => (m.Workload, m.Contender)).Select(g => g.OrderBy(m => m.FileTime).Last()).ToList();
        var order = ValidationRunner.AllWorkloads().Select(w => (w.Name, w.Description)).ToList();
        var workloads = order.Where(w => latest.Any(m => m.Workload == w.Name)).ToList();

        Directory.CreateDirectory(resultsFolder);
        var ratios = new Dictionary<(string Workload, string Contender), double>();
        foreach (var (name, _) in workloads)
        {
            var hand = latest.FirstOrDefault(m => m.Workload == name && m.Contender == Contenders.HandLoop);
            if (hand is null) continue;
            foreach (var m in latest.Where(m => m.Workload == name)) ratios[(name, m.Contender)] = hand.NsPerEvent / m.NsPerEvent;
        }

        string chart = Path.Combine(resultsFolder, "throughput.png");
        bool charted = ThroughputChart.Write(chart, workloads.Select(w => w.Name).ToList(), ratios);
        string readme = Path.Combine(resultsFolder, "README.md");
        File.WriteAllText(readme, Markdown(workloads, latest, ratios, host, charted, resultsFolder));
        Console.WriteLine($"Wrote {readme}" + (charted ? $" and {chart}" : ""));
        return 0;
    }

    private static string Markdown(List<(string Name, string Description)> workloads, List<Measurement> latest, Dictionary<(string, string), double> ratios, string host, bool charted, string resultsFolder)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var when = latest.Max(m => m.FileTime);
        text.AppendLine("# Benchmark results")
            .AppendLine()
            .AppendLine(inv, $"Latest run: {when:yyyy-MM-dd HH:mm} UTC, commit `{GitCommit()}`, job{(latest.Select(m => m.Job).Distinct().Count() > 1 ? "s" : "")} {string.Join(", ", latest.Select(m => m.Job).Distinct().Order())}.")
            .AppendLine()
            .AppendLine(inv, $"Machine: {MachineInfo.Describe()}.")
            .AppendLine();
        if (host.Length > 0) text.AppendLine(inv, $"BenchmarkDotNet: {host}.").AppendLine();
        text.AppendLine("Every contender's output was checked equal to the hand loop's before it was timed, and each timed run's result count and checksum again. " +
                        "Times are per input event (`OperationsPerInvoke` = event count); *× hand loop* is the contender's throughput divided by the hand loop's " +
                        "(1 = as fast as the floor); allocation is per input event. The machine is small and was not idle-guaranteed: compare ratios within one run, not across machines.")
            .AppendLine();
        if (charted) text.AppendLine("![Throughput relative to the hand loop](throughput.png)").AppendLine();
        text.AppendLine("## At a glance").AppendLine()
            .AppendLine("Throughput as a multiple of the hand loop's (higher is better); the hand loop's and the Pipelines executors' in M events/s.")
            .AppendLine();
        SummaryTable.Append(text, workloads.Select(w => w.Name), latest, ratios);
        text.AppendLine("Against the speed targets, in this run:").AppendLine();
        TargetsSummary.Append(text, workloads.Select(w => w.Name).ToList(), ratios);
        text.AppendLine();
        text.AppendLine("## Contenders").AppendLine();
        foreach (var c in Contenders.All) text.AppendLine(inv, $"- **{c}**: {Contenders.Descriptions[c]}");
        text.AppendLine();
        text.AppendLine("## Throughput").AppendLine();
        foreach (var (name, description) in workloads)
        {
            text.AppendLine(inv, $"### {name}").AppendLine().AppendLine(description).AppendLine()
                .AppendLine("| contender | ns/event | M events/s | × hand loop | B allocated/event |")
                .AppendLine("|---|---:|---:|---:|---:|");
            foreach (var m in latest.Where(m => m.Workload == name).OrderBy(m => Rank(m.Contender)))
            {
                string ratio = ratios.TryGetValue((name, m.Contender), out var r) ? r.ToString("0.000", inv) : "–";
                string bytes = m.BytesPerEvent is { } b ? b.ToString("0.0", inv) : "–";
                text.AppendLine(inv, $"| {m.Contender} | {m.NsPerEvent:0.0} ± {m.StdDevNs:0.0} | {1000.0 / m.NsPerEvent:0.00} | {ratio} | {bytes} |");
            }

            text.AppendLine();
        }

        string latency = Path.Combine(resultsFolder, "latency.md");
        text.AppendLine("## Streaming latency").AppendLine();
        if (File.Exists(latency))
        {
            foreach (var line in File.ReadAllLines(latency).Skip(1)) text.AppendLine(line.StartsWith('#') ? "#" + line : line);
        }
        else
        {
            text.AppendLine("Not run yet: `dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --latency` writes `latency.md` here; `--report` then includes it.");
        }

        text.AppendLine()
            .AppendLine("## Reproduce")
            .AppendLine()
            .AppendLine("```")
            .AppendLine("dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --validate          # outputs only, no timing")
            .AppendLine("dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --filter '*'        # throughput (writes this file)")
            .AppendLine("dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --latency           # latency.md")
            .AppendLine("dotnet run -c Release --project benchmarks/Pipelines.Benchmarks -- --report            # this file and the chart again")
            .AppendLine("```");
        return text.ToString();
    }

    private static int Rank(string contender)
    {
        int i = Contenders.All.ToList().IndexOf(contender);
        return i < 0 ? int.MaxValue : i;
    }

    /// <summary>"Type.Method: Job(characteristics)" → "Job (characteristics)".</summary>
    private static string JobOf(string displayInfo)
    {
        int colon = displayInfo.IndexOf(": ", StringComparison.Ordinal);
        string job = colon >= 0 ? displayInfo[(colon + 2)..] : displayInfo;
        int open = job.IndexOf('(', StringComparison.Ordinal);
        return open > 0 ? $"{job[..open]} {job[open..]}" : job;
    }

    private static string DescribeHost(JsonElement info)
    {
        string Get(string name) => info.TryGetProperty(name, out var v) ? v.ToString() : "?";
        return $"{Get("BenchmarkDotNetCaption")} {Get("BenchmarkDotNetVersion")}, {Get("OsVersion")}, {Get("ProcessorName")}, " +
               $"{Get("PhysicalCoreCount")} physical / {Get("LogicalCoreCount")} logical cores, {Get("RuntimeVersion")}, {Get("Architecture")}";
    }

    private static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (git is null) return "unknown";
            string commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && commit.Length > 0 ? commit : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
