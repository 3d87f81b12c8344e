using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Latency;

/// <summary>Settings of the latency run.</summary>
internal sealed record LatencySettings(IReadOnlyList<int> Rates, TimeSpan Duration, TimeSpan Warmup, IReadOnlyList<int> Parallelism)
{
    public static LatencySettings Parse(List<string> options, bool quick)
    {
        var rates = new List<int> { 100_000, 1_000_000, 5_000_000 };
        int i = options.IndexOf("--rates");
        if (i >= 0 && i + 1 < options.Count)
        {
            rates = options[i + 1].Split(',').Select(r => int.Parse(r.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList();
            options.RemoveRange(i, 2);
        }

        double seconds = quick ? 3 : 30;
        i = options.IndexOf("--seconds");
        if (i >= 0 && i + 1 < options.Count)
        {
            seconds = double.Parse(options[i + 1], CultureInfo.InvariantCulture);
            options.RemoveRange(i, 2);
        }

        return new LatencySettings(rates, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(quick ? 1 : 2), [1, 2]);
    }
}

/// <summary>One latency measurement.</summary>
internal sealed record LatencyResult(int OfferedRate, int Parallelism, double AchievedRate, double SourceLagMs, long Samples, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>
/// The --latency mode: workload T (per-key count over 1 s tumbling windows, 1,000 keys) on the streaming executor,
/// fed open-loop at a fixed offered rate. Event i is due at i / rate seconds after the start and carries that
/// instant as its event time; the source emits every due event whenever it is asked (or sleeps ~1 ms when none is
/// due), so falling behind shows up as latency instead of a lower rate (no coordinated omission). The watermark
/// (monotonic) passes a window's end when the first event at or after that end is due; a result's latency is the
/// time from that instant to the result reaching the sink. Windows in the warmup and the final windows flushed by
/// end of input are not counted.
/// </summary>
internal static class LatencyRunner
{
    public static async Task<int> RunAsync(LatencySettings settings, string resultsFolder)
    {
        Console.WriteLine($"Latency run: T on StreamingExecutor, offered rates {string.Join(", ", settings.Rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} events/s, " +
                          $"{settings.Duration.TotalSeconds:0.#} s each (first {settings.Warmup.TotalSeconds:0.#} s not counted), parallelism {string.Join(" and ", settings.Parallelism)}.");
        var results = new List<LatencyResult>();
        foreach (int rate in settings.Rates)
        {
            foreach (int parallelism in settings.Parallelism)
            {
                var r = await MeasureAsync(rate, parallelism, settings);
                results.Add(r);
                Console.WriteLine($"offered {rate,10:N0}/s  P={parallelism}  achieved {r.AchievedRate,12:N0}/s  source lag {r.SourceLagMs,8:N1} ms  " +
                                  $"p50 {r.P50Ms,8:N2} ms  p99 {r.P99Ms,8:N2} ms  p99.9 {r.P999Ms,8:N2} ms  max {r.MaxMs,8:N2} ms  ({r.Samples:N0} results)");
            }
        }

        Directory.CreateDirectory(resultsFolder);
        string path = Path.Combine(resultsFolder, "latency.md");
        await File.WriteAllTextAsync(path, Markdown(results, settings));
        Console.WriteLine($"Wrote {path}");
        return 0;
    }

    private static async Task<LatencyResult> MeasureAsync(int rate, int parallelism, LatencySettings settings)
    {
        long total = (long)(rate * settings.Duration.TotalSeconds);
        var clock = new SharedClock();
        var source = new RateSource(rate, total, clock, settings.Warmup.Ticks);
        var sink = new LatencySink(clock, settings.Warmup.Ticks, source.LastEventTicks, total);
        var p = new PipelineBuilder();
        p.From(source)
            .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
            .KeyBy(e => e.Key)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Count()
            .To(sink);
        await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism }).RunAsync(p.Build());
        if (sink.TotalCounted != total)
        {
            throw new InvalidOperationException($"Latency run lost events: the windows counted {sink.TotalCounted:N0} of {total:N0}.");
        }

        var samples = sink.Samples.ToArray();
        Array.Sort(samples);
        double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        double Quantile(double q) => samples.Length == 0 ? double.NaN : Ms(samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)]);
        double elapsed = source.FinishedAtTicks / (double)TimeSpan.TicksPerSecond;
        return new LatencyResult(rate, parallelism, total / elapsed, Ms(source.MaxLagTicks), samples.Length,
            Quantile(0.50), Quantile(0.99), Quantile(0.999), samples.Length == 0 ? double.NaN : Ms(samples[^1]));
    }

    private static string Markdown(List<LatencyResult> results, LatencySettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine("# Streaming latency (open loop)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineInfo.Describe()}.")
            .AppendLine()
            .AppendLine("Workload T (per-key count over 1 s tumbling event-time windows, 1,000 keys) on `StreamingExecutor` (default options but `Parallelism`), " +
                        "fed open-loop at the offered rate: event *i* is due at *i* / rate and carries that instant as its event time. " +
                        "Latency = time from the watermark passing a window's end (the first event at or after the end is due) to the window's result reaching the sink; " +
                        "the source sleeps ~1 ms when nothing is due, so up to ~1 ms of each figure is the load generator's granularity. " +
                        "A source that falls behind adds its lag to the latency (no coordinated omission); *achieved* below the offered rate means the system could not keep up.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{settings.Duration.TotalSeconds:0.#} s per run; results of the first {settings.Warmup.TotalSeconds:0.#} s and of the windows flushed at end of input are not counted.")
            .AppendLine()
            .AppendLine("| offered events/s | parallelism | achieved events/s | max source lag ms (after warmup) | results | p50 ms | p99 ms | p99.9 ms | max ms |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.OfferedRate:N0} | {r.Parallelism} | {r.AchievedRate:N0} | {r.SourceLagMs:N1} | {r.Samples:N0} | {r.P50Ms:N2} | {r.P99Ms:N2} | {r.P999Ms:N2} | {r.MaxMs:N2} |");
        }

        return text.ToString();
    }

    /// <summary>The run's time origin, shared by the source (schedule) and the sink (arrival), in 100 ns ticks.</summary>
    private sealed class SharedClock
    {
        private long _origin;

        public void Start() => Volatile.Write(ref _origin, Stopwatch.GetTimestamp());

        public long NowTicks => Stopwatch.GetElapsedTime(Volatile.Read(ref _origin)).Ticks;
    }

    /// <summary>An unbounded source that emits the events due so far, at a fixed rate, for a fixed count.</summary>
    private sealed class RateSource(int rate, long total, SharedClock clock, long warmupTicks) : Source<SynthEvent>
    {
        private readonly double _ticksPerEvent = TimeSpan.TicksPerSecond / (double)rate;

        public override string Name => $"Rate({rate}/s)";

        public SharedClock Clock => clock;

        public long Total => total;

        public double TicksPerEvent => _ticksPerEvent;

        public long WarmupTicks => warmupTicks;

        public override bool IsBounded => false;

        /// <summary>Event time (relative to the start) of the last event.</summary>
        public long LastEventTicks => (long)((total - 1) * _ticksPerEvent);

        public long FinishedAtTicks { get; private set; }

        public long MaxLagTicks { get; private set; }

        public override ValueTask<SourceReader<SynthEvent>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            clock.Start();
            return new(new Reader(this));
        }

        private sealed class Reader(RateSource source) : SourceReader<SynthEvent>
        {
            private long _emitted;

            public override int TryRead(Span<SynthEvent> destination)
            {
                long now = source.Clock.NowTicks;
                long due = Math.Min(source.Total, (long)(now / source.TicksPerEvent) + 1);
                int n = (int)Math.Min(due - _emitted, destination.Length);
                if (n <= 0) return 0;
                long lag = now - (long)(_emitted * source.TicksPerEvent);
                if (lag > source.MaxLagTicks && now >= source.WarmupTicks) source.MaxLagTicks = lag;
                long start = SyntheticData.Start.UtcTicks;
                for (int i = 0; i < n; i++)
                {
                    long id = _emitted + i;
                    ulong r = Hashing.Mix((ulong)id + 0x5EED);
                    destination[i] = new SynthEvent((int)(r % SyntheticData.Keys), (long)(r >> 20), new DateTimeOffset(start + (long)(id * source.TicksPerEvent), TimeSpan.Zero));
                }

                _emitted += n;
                if (_emitted == source.Total) source.FinishedAtTicks = now;
                return n;
            }

            public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
            {
                while (true)
                {
                    if (_emitted >= source.Total) return false;
                    long due = (long)(source.Clock.NowTicks / source.TicksPerEvent) + 1;
                    if (due > _emitted) return true;
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Records, for every counted window result, the time from the window's end to its arrival.</summary>
    private sealed class LatencySink(SharedClock clock, long warmupTicks, long lastEventTicks, long expectedTotal) : Sink<WindowResult<int, long>>
    {
        public List<long> Samples { get; } = new((int)Math.Min(expectedTotal, 4_000_000));

        public long TotalCounted { get; private set; }

        public override string Name => "Latency";

        public SharedClock Clock => clock;

        public long WarmupTicks => warmupTicks;

        public long LastEventTicks => lastEventTicks;

        public override ValueTask<SinkWriter<WindowResult<int, long>>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(LatencySink sink) : SinkWriter<WindowResult<int, long>>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<WindowResult<int, long>> items, CancellationToken cancellationToken)
            {
                long now = sink.Clock.NowTicks;
                long start = SyntheticData.Start.UtcTicks;
                foreach (ref readonly var r in items.Span)
                {
                    sink.TotalCounted += r.Value;
                    long end = r.Window.End.UtcTicks - start;
                    if (end < sink.WarmupTicks || end > sink.LastEventTicks) continue;
                    sink.Samples.Add(now - end);
                }

                return default;
            }
        }
    }
}
