using System.Globalization;
using System.Text;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Reporting;

/// <summary>
/// The speed targets, checked against one run: each target with the workloads that meet it and the ones that do not
/// (with the figure that misses), so a run says where Pipelines stands without a table read by eye. Ratios are to
/// the hand loop of the same run.
/// </summary>
internal static class TargetsSummary
{
    private const string Bounded = Contenders.PipelinesBounded;
    private const string OneWorker = Contenders.PipelinesStreamingP1;
    private const string TwoWorkers = Contenders.PipelinesStreamingP2;

    /// <summary>Appends the targets for <paramref name="workloads"/>.</summary>
    public static void Append(StringBuilder text, IReadOnlyList<string> workloads, IReadOnlyDictionary<(string, string), double> ratios)
    {
        double? Ratio(string workload, string contender) => ratios.TryGetValue((workload, contender), out double r) ? r : null;
        string F(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

        Target(text, "At least 0.5× the hand loop, bounded and streaming with one worker", workloads, w =>
        {
            var misses = new[] { Bounded, OneWorker }
                .Select(c => (Name: c == Bounded ? "bounded" : "one worker", Ratio: Ratio(w, c)))
                .Where(x => x.Ratio is < 0.5)
                .Select(x => $"{x.Name} {F(x.Ratio!.Value)}")
                .ToList();
            return Ratio(w, Bounded) is null && Ratio(w, OneWorker) is null ? null : misses;
        });

        Target(text, "No Pipelines executor slower than batched Channels or batched Dataflow", workloads, w =>
        {
            double? peers = Max(Ratio(w, Contenders.ChannelsBatched), Ratio(w, Contenders.DataflowBatched));
            if (peers is null) return null;
            (string Name, string Contender)[] executors = [("bounded", Bounded), ("one worker", OneWorker), ("two workers", TwoWorkers)];
            return executors
                .Where(x => Ratio(w, x.Contender) is { } r && r < peers)
                .Select(x => $"{x.Name} {F(Ratio(w, x.Contender)!.Value)} against {F(peers.Value)}")
                .ToList();
        });

        Target(text, "At least 2× Rx (the fastest Pipelines executor)", workloads, w =>
        {
            double? rx = Ratio(w, Contenders.Rx);
            double? best = Max(Max(Ratio(w, Bounded), Ratio(w, OneWorker)), Ratio(w, TwoWorkers));
            if (rx is null || best is null) return null;
            return best >= 2 * rx ? [] : [$"{F(best.Value / rx.Value)}× Rx"];
        });

        Target(text, "Streaming with two workers not slower than with one", workloads, w =>
        {
            if (Ratio(w, OneWorker) is not { } one || Ratio(w, TwoWorkers) is not { } two) return null;
            return two >= one ? [] : [$"{F(two)} against {F(one)}"];
        });
    }

    /// <summary>One target: <paramref name="misses"/> gives a workload's misses (empty: met; null: not measured).</summary>
    private static void Target(StringBuilder text, string title, IReadOnlyList<string> workloads, Func<string, List<string>?> misses)
    {
        var met = new List<string>();
        var missed = new List<string>();
        foreach (string workload in workloads)
        {
            if (misses(workload) is not { } m) continue;
            if (m.Count == 0) met.Add(workload);
            else missed.Add($"{workload} ({string.Join(", ", m)})");
        }

        string outcome = (met.Count, missed.Count) switch
        {
            (0, 0) => "no workload of this run measures it",
            (_, 0) => $"met on every workload that measures it ({List(met)})",
            (0, _) => $"met on none; not on {List(missed)}",
            _ => $"met on {List(met)}; not on {List(missed)}",
        };
        text.AppendLine(CultureInfo.InvariantCulture, $"- **{title}**: {outcome}.");
    }

    private static string List(List<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
