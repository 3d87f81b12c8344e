using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;
using Pipelines.Benchmarks.Workloads;

namespace Pipelines.Benchmarks.Latency;

/// <summary>Settings of the latency run.</summary>
internal sealed record LatencySettings(IReadOnlyList<int> Rates, TimeSpan Duration, TimeSpan Warmup)
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

        return new LatencySettings(rates, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(quick ? 1 : 2));
    }
}

/// <summary>One latency measurement.</summary>
internal sealed record LatencyResult(int OfferedRate, string System, double AchievedRate, double SourceLagMs, long Samples, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>
/// The --latency mode: workload T (per-key count over 1 s tumbling windows, 1,000 keys) fed open-loop at a fixed
/// offered rate, on Pipelines' StreamingExecutor (parallelism 1 and 2) and, as the floor, on a hand-written
/// pipeline of bounded channels (generator task → counting task → sink task, batches of up to 1,024). Event i is
/// due at i / rate seconds after the start and carries that instant as its event time; the generator emits every
/// due event whenever it runs (when none is due, it yields the thread until one is, or sleeps ~1 ms when the next is
/// more than 2 ms away), so falling behind shows up as latency instead of a lower rate (no coordinated omission).
/// The watermark (monotonic) passes a window's end when the first event at or after that end is due; a result's
/// latency is the time from that instant to the result reaching the sink.
/// Windows in the warmup and the final windows flushed by end of input are not counted.
/// </summary>
internal static class LatencyRunner
{
    private static readonly string[] Systems = ["PipelinesStreamingP1", "PipelinesStreamingP2", "ChannelsBatched"];

    public static async Task<int> RunAsync(LatencySettings settings, string resultsFolder)
    {
        Console.WriteLine($"Latency run: T at offered rates {string.Join(", ", settings.Rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} events/s, " +
                          $"{settings.Duration.TotalSeconds:0.#} s each (first {settings.Warmup.TotalSeconds:0.#} s not counted), on {string.Join(", ", Systems)}.");
        var results = new List<LatencyResult>();
        foreach (int rate in settings.Rates)
        {
            foreach (string system in Systems)
            {
                var r = await MeasureAsync(rate, system, settings);
                results.Add(r);
                Console.WriteLine($"offered {rate,10:N0}/s  {system,-21} achieved {r.AchievedRate,12:N0}/s  source lag {r.SourceLagMs,8:N1} ms  " +
                                  $"p50 {r.P50Ms,8:N2} ms  p99 {r.P99Ms,8:N2} ms  p99.9 {r.P999Ms,8:N2} ms  max {r.MaxMs,8:N2} ms  ({r.Samples:N0} results)");
            }
        }

        Directory.CreateDirectory(resultsFolder);
        string path = Path.Combine(resultsFolder, "latency.md");
        await File.WriteAllTextAsync(path, Markdown(results, settings));
        Console.WriteLine($"Wrote {path}");
        return 0;
    }

    private static async Task<LatencyResult> MeasureAsync(int rate, string system, LatencySettings settings)
    {
        long total = (long)(rate * settings.Duration.TotalSeconds);
        var generator = new RateGenerator(rate, total, settings.Warmup.Ticks);
        var recorder = new LatencyRecorder(generator, settings.Warmup.Ticks, total);
        switch (system)
        {
            case "PipelinesStreamingP1":
            case "PipelinesStreamingP2":
                var p = new PipelineBuilder();
                p.From(new RateSource(generator))
                    .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
                    .KeyBy(e => e.Key)
                    .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
                    .Count()
                    .To(new RecorderSink(recorder));
                await new StreamingExecutor(new StreamingOptions { Parallelism = system.EndsWith("P2", StringComparison.Ordinal) ? 2 : 1 }).RunAsync(p.Build());
                break;
            default:
                await RunChannelsAsync(generator, recorder);
                break;
        }

        if (recorder.TotalCounted != total)
        {
            throw new InvalidOperationException($"Latency run on {system} lost events: the windows counted {recorder.TotalCounted:N0} of {total:N0}.");
        }

        var samples = recorder.Samples.ToArray();
        Array.Sort(samples);
        double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        double Quantile(double q) => samples.Length == 0 ? double.NaN : Ms(samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)]);
        double elapsed = generator.FinishedAtTicks / (double)TimeSpan.TicksPerSecond;
        return new LatencyResult(rate, system, total / elapsed, Ms(generator.MaxLagTicks), samples.Length,
            Quantile(0.50), Quantile(0.99), Quantile(0.999), samples.Length == 0 ? double.NaN : Ms(samples[^1]));
    }

    /// <summary>The floor: generator task → bounded channel of batches → counting task → bounded channel → sink task.</summary>
    private static async Task RunChannelsAsync(RateGenerator generator, LatencyRecorder recorder)
    {
        var events = Peers.BatchChannel<SynthEvent[]>();
        var results = Peers.BatchChannel<TOut[]>();
        generator.Start();
        var source = Task.Run(async () =>
        {
            var buffer = new SynthEvent[Peers.BatchSize];
            while (!generator.Done)
            {
                int n = generator.Fill(buffer);
                if (n > 0) await Peers.WriteAsync(events.Writer, buffer.AsSpan(0, n).ToArray());
                else await generator.WaitAsync(CancellationToken.None);
            }

            events.Writer.Complete();
        });
        var count = Task.Run(async () =>
        {
            var state = new TumblingCounter();
            var reader = events.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var batch))
                {
                    var closed = state.Add(batch);
                    if (closed.Length > 0) await Peers.WriteAsync(results.Writer, closed);
                }
            }

            await Peers.WriteAsync(results.Writer, state.Flush());
            results.Writer.Complete();
        });
        var sink = Task.Run(async () =>
        {
            var reader = results.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var batch))
                {
                    long now = generator.NowTicks;
                    foreach (var r in batch) recorder.Record(r.WindowStartTicks + TumblingCounter.Size, r.Count, now);
                }
            }
        });
        await Task.WhenAll(source, count, sink);
    }

    private static string Markdown(List<LatencyResult> results, LatencySettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine("# Streaming latency (open loop)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineInfo.Describe()}.")
            .AppendLine()
            .AppendLine("Workload T (per-key count over 1 s tumbling event-time windows, 1,000 keys), fed open-loop at the offered rate: event *i* is due at *i* / rate " +
                        "and carries that instant as its event time. Systems: Pipelines `StreamingExecutor` (default options but `Parallelism`), and a hand-written floor " +
                        "of bounded channels (generator → counting task → sink task, batches of up to 1,024). " +
                        "Latency = time from the watermark passing a window's end (the first event at or after the end is due) to the window's result reaching the sink; " +
                        "when nothing is due the generator yields its thread until the next event is due (it sleeps ~1 ms only when that is more than 2 ms away), so a system that waits for input reads an event when it is due, not a timer tick later. " +
                        "A generator that falls behind adds its lag to the latency (no coordinated omission); *achieved* below the offered rate means the system could not keep up.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{settings.Duration.TotalSeconds:0.#} s per run; results of the first {settings.Warmup.TotalSeconds:0.#} s and of the windows flushed at end of input are not counted (each window gives 1,000 results at once, so the percentiles are over few firings: read p99.9 as 'the slowest firing').")
            .AppendLine()
            .AppendLine("| offered events/s | system | achieved events/s | max source lag ms (after warmup) | results | p50 ms | p99 ms | p99.9 ms | max ms |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.OfferedRate:N0} | {r.System} | {r.AchievedRate:N0} | {r.SourceLagMs:N1} | {r.Samples:N0} | {r.P50Ms:N2} | {r.P99Ms:N2} | {r.P999Ms:N2} | {r.MaxMs:N2} |");
        }

        return text.ToString();
    }

    /// <summary>The open-loop load: which events are due now, and the run's clock (100 ns ticks since <see cref="Start"/>).</summary>
    private sealed class RateGenerator(int rate, long total, long warmupTicks)
    {
        private readonly double _ticksPerEvent = TimeSpan.TicksPerSecond / (double)rate;
        private long _origin;
        private long _emitted;

        public long Total => total;

        public bool Done => _emitted >= total;

        /// <summary>Event time (relative to the start) of the last event.</summary>
        public long LastEventTicks => (long)((total - 1) * _ticksPerEvent);

        public long FinishedAtTicks { get; private set; }

        public long MaxLagTicks { get; private set; }

        public long NowTicks => Stopwatch.GetElapsedTime(Volatile.Read(ref _origin)).Ticks;

        public void Start() => Volatile.Write(ref _origin, Stopwatch.GetTimestamp());

        /// <summary>Writes the events due now (at most <c>destination.Length</c>); returns how many.</summary>
        public int Fill(Span<SynthEvent> destination)
        {
            long now = NowTicks;
            long due = Math.Min(total, (long)(now / _ticksPerEvent) + 1);
            int n = (int)Math.Min(due - _emitted, destination.Length);
            if (n <= 0) return 0;
            long lag = now - (long)(_emitted * _ticksPerEvent);
            if (lag > MaxLagTicks && now >= warmupTicks) MaxLagTicks = lag;
            long start = SyntheticData.Start.UtcTicks;
            for (int i = 0; i < n; i++)
            {
                long id = _emitted + i;
                ulong r = Hashing.Mix((ulong)id + 0x5EED);
                destination[i] = new SynthEvent((int)(r % SyntheticData.Keys), (long)(r >> 20), new DateTimeOffset(start + (long)(id * _ticksPerEvent), TimeSpan.Zero));
            }

            _emitted += n;
            if (_emitted == total) FinishedAtTicks = now;
            return n;
        }

        /// <summary>
        /// Waits until an event is due (true) or every event has been emitted (false). A timer's wait lasts a
        /// millisecond or more, so when the next event is due sooner the wait yields the thread instead (other work
        /// runs meanwhile) and looks again: a system fast enough to wait for its input then reads an event when it
        /// is due, not up to a timer tick later, and the tick does not count as its latency.
        /// </summary>
        public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (Done) return false;
                long now = NowTicks;
                if ((long)(now / _ticksPerEvent) + 1 > _emitted) return true;
                cancellationToken.ThrowIfCancellationRequested();
                long untilDue = (long)(_emitted * _ticksPerEvent) - now;
                if (untilDue > 2 * TimeSpan.TicksPerMillisecond) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                else await Task.Yield();
            }
        }
    }

    /// <summary>Collects latencies of counted windows, and the total count (to check nothing was lost).</summary>
    private sealed class LatencyRecorder(RateGenerator generator, long warmupTicks, long expectedTotal)
    {
        private readonly long _start = SyntheticData.Start.UtcTicks;

        public List<long> Samples { get; } = new((int)Math.Min(expectedTotal, 4_000_000));

        public long TotalCounted { get; private set; }

        public RateGenerator Generator => generator;

        public void Record(long windowEndUtcTicks, long count, long nowTicks)
        {
            TotalCounted += count;
            long end = windowEndUtcTicks - _start;
            if (end < warmupTicks || end > generator.LastEventTicks) return;
            Samples.Add(nowTicks - end);
        }
    }

    /// <summary>A Pipelines source over the generator (unbounded: it ends when every event has been emitted).</summary>
    private sealed class RateSource(RateGenerator generator) : Source<SynthEvent>
    {
        public override string Name => "OpenLoopRate";

        public override bool IsBounded => false;

        public override ValueTask<SourceReader<SynthEvent>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            generator.Start();
            return new(new Reader(generator));
        }

        private sealed class Reader(RateGenerator generator) : SourceReader<SynthEvent>
        {
            public override int TryRead(Span<SynthEvent> destination) => generator.Fill(destination);

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => generator.WaitAsync(cancellationToken);
        }
    }

    /// <summary>A Pipelines sink that records each window result's latency.</summary>
    private sealed class RecorderSink(LatencyRecorder recorder) : Sink<WindowResult<int, long>>
    {
        public override string Name => "Latency";

        public override ValueTask<SinkWriter<WindowResult<int, long>>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(recorder));

        private sealed class Writer(LatencyRecorder recorder) : SinkWriter<WindowResult<int, long>>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<WindowResult<int, long>> items, CancellationToken cancellationToken)
            {
                long now = recorder.Generator.NowTicks;
                foreach (ref readonly var r in items.Span) recorder.Record(r.Window.End.UtcTicks, r.Value, now);
                return default;
            }
        }
    }
}
