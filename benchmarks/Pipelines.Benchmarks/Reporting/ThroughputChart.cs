using ScottPlot;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Reporting;

/// <summary>The throughput chart: per workload, one bar per contender, height = throughput ÷ hand loop's, log scale.</summary>
internal static class ThroughputChart
{
    public static bool Write(string path, IReadOnlyList<string> workloads, IReadOnlyDictionary<(string Workload, string Contender), double> ratios)
    {
        if (ratios.Count == 0) return false;
        var contenders = Contenders.All.Where(c => ratios.Keys.Any(k => k.Contender == c)).ToList();
        double min = Math.Min(ratios.Values.Min(), 0.1);
        double max = Math.Max(ratios.Values.Max(), 1.0);
        double floor = Math.Floor(Math.Log10(min));
        double ceiling = Math.Log10(max) + 0.15;

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        var bars = new List<Bar>();
        double groupWidth = contenders.Count + 2;
        for (int w = 0; w < workloads.Count; w++)
        {
            for (int c = 0; c < contenders.Count; c++)
            {
                if (!ratios.TryGetValue((workloads[w], contenders[c]), out double ratio)) continue;
                bars.Add(new Bar
                {
                    Position = (w * groupWidth) + c,
                    ValueBase = floor,
                    Value = Math.Log10(ratio),
                    FillColor = palette.GetColor(c),
                    LineWidth = 0,
                    Size = 0.9,
                });
            }
        }

        plot.Add.Bars(bars);
        foreach (var (c, i) in contenders.Select((c, i) => (c, i)))
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = c, FillColor = palette.GetColor(i) });
        }

        plot.ShowLegend(Alignment.UpperRight);
        var line = plot.Add.HorizontalLine(0);
        line.LineColor = Colors.Black.WithAlpha(0.5);
        line.LinePattern = LinePattern.Dashed;

        var xPositions = workloads.Select((_, w) => (w * groupWidth) + ((contenders.Count - 1) / 2.0)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xPositions, workloads.ToArray());
        var yTicks = new List<double>();
        for (double y = floor; y <= ceiling + 1e-9; y++) yTicks.Add(y);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            yTicks.ToArray(), yTicks.Select(y => Math.Pow(10, y).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(-1, (workloads.Count * groupWidth) - 1, floor, ceiling);
        plot.Title("Throughput relative to the hand-written loop (higher is better, log scale)");
        plot.YLabel("× hand loop throughput");
        plot.SavePng(path, Math.Max(900, 90 * workloads.Count * contenders.Count / 3), 600);
        return true;
    }
}
