using System.Globalization;
using System.Text;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Reporting;

/// <summary>
/// The report's table at a glance, one row per workload: the hand loop's throughput, and every other contender's
/// as a multiple of it (the Pipelines executors with their throughput too). The README's benchmark table is this
/// table of the latest full run.
/// </summary>
internal static class SummaryTable
{
    /// <summary>The columns: contender and heading; the hand loop first.</summary>
    private static readonly (string Contender, string Heading)[] Columns =
    [
        (Contenders.HandLoop, "hand loop"),
        (Contenders.Linq, "LINQ"),
        (Contenders.Rx, "Rx"),
        (Contenders.DataflowBatched, "Dataflow batched"),
        (Contenders.ChannelsBatched, "Channels batched"),
        (Contenders.AkkaStreams, "Akka"),
        (Contenders.PipelinesBounded, "Pipelines bounded"),
        (Contenders.PipelinesStreamingP1, "streaming 1 worker"),
        (Contenders.PipelinesStreamingP2, "streaming 2 workers"),
    ];

    /// <summary>Appends the table for <paramref name="workloads"/> (the ones with a hand loop measured).</summary>
    public static void Append(StringBuilder text, IEnumerable<string> workloads, IReadOnlyList<Measurement> latest, IReadOnlyDictionary<(string, string), double> ratios)
    {
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("| workload | " + string.Join(" | ", Columns.Select(c => c.Heading)) + " |")
            .AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Columns.Length)));
        foreach (string workload in workloads)
        {
            var measured = latest.Where(m => m.Workload == workload).ToDictionary(m => m.Contender);
            if (!measured.ContainsKey(Contenders.HandLoop)) continue;
            string Cell(string contender)
            {
                if (!measured.TryGetValue(contender, out var m) || !ratios.TryGetValue((workload, contender), out double ratio)) return "–";
                return contender switch
                {
                    Contenders.HandLoop => $"1 ({Throughput(m)})",
                    Contenders.PipelinesBounded or Contenders.PipelinesStreamingP1 or Contenders.PipelinesStreamingP2 => string.Create(inv, $"{ratio:0.00} ({Throughput(m)})"),
                    _ => ratio.ToString("0.00", inv),
                };
            }

            var cells = Columns.Select(c => Cell(c.Contender));
            text.AppendLine(inv, $"| {workload} | {string.Join(" | ", cells)} |");
        }

        text.AppendLine();
    }

    /// <summary>Millions of events per second, with a decimal below 10.</summary>
    private static string Throughput(Measurement m)
    {
        double perSecond = 1000.0 / m.NsPerEvent;
        return perSecond.ToString(perSecond < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + "M/s";
    }
}
