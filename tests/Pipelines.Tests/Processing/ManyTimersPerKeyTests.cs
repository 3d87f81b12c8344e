using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

/// <summary>
/// Many timers and windows per key (issue #16, "many windows per key"): the same results on the bounded executor
/// (every timer fires in the end-of-input drain) and the streaming one (timers fire as the watermark passes them).
/// </summary>
public class ManyTimersPerKeyTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>2,000 events in event-time order over 4 keys, a few each second: each key has dozens of timers and windows open.</summary>
    private static Ev[] Events()
    {
        var random = new Random(16);
        double t = 0;
        return Enumerable.Range(0, 2_000).Select(_ =>
        {
            t += random.Next(0, 4) * 0.25;
            return Ev.At(((char)('a' + random.Next(4))).ToString(), t, random.Next(1, 30));
        }).ToArray();
    }

    private static async Task<List<T>> RunAsync<T>(string executor, int parallelism, Func<DataStream<Ev>, DataStream<T>> define)
    {
        var results = new List<T>();
        var p = new PipelineBuilder();
        define(p.From(Sources.Enumerable(Events(), "events")).WithEventTime(e => e.Time, Watermarks.Monotonic())).To(Sinks.Collection(results));
        if (executor == "bounded") await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 64 }).RunAsync(p.Build());
        else await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = 64 }).RunAsync(p.Build());
        return results;
    }

    public static TheoryData<string, int> Executors => new() { { "bounded", 1 }, { "streaming", 1 }, { "streaming", 2 } };

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task TimersPerElement_RegisteredTwiceAndSomeDeleted_FireOnceEach_InTimeOrderPerKey(string executor, int parallelism)
    {
        // Every element registers 12 timers ahead (each twice) and deletes one of them (odd values): a key holds up to
        // ~100 timers at once, past the per-key index, and the bounded run drains ~20k of them at the end.
        var expected = new Dictionary<string, SortedSet<DateTimeOffset>>();
        foreach (var e in Events())
        {
            if (!expected.TryGetValue(e.Key, out var set)) expected[e.Key] = set = [];
            for (int j = 1; j <= 12; j++) set.Add(e.Time + (j * Second));
            if (e.Value % 2 == 1) set.Remove(e.Time + ((e.Value % 12) + 1) * Second);
        }

        var results = await RunAsync(executor, parallelism, s => s.KeyBy(e => e.Key).Process(() => new Reminders()));

        results.Should().HaveCount(expected.Values.Sum(s => s.Count));
        foreach (var (key, times) in expected) results.Where(r => r.Key == key).Select(r => r.Time).Should().Equal(times, $"key {key}'s timers fire once each, in time order");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ManySlidingWindowsAndSessionsPerKey_GiveTheSameResultsOnBothExecutors(string executor, int parallelism)
    {
        // 60 s windows every second: 60 open windows per key; record keys; and sessions with a short gap.
        var bounded = await RunAsync("bounded", 1, Windowed);
        var results = await RunAsync(executor, parallelism, Windowed);

        results.Order(StringComparer.Ordinal).Should().Equal(bounded.Order(StringComparer.Ordinal));
        results.Should().HaveCountGreaterThan(1_000);
    }

    private static DataStream<string> Windowed(DataStream<Ev> events)
    {
        var sliding = events.KeyBy(e => new Account(e.Key, e.Value % 3))
            .Window(Windows.Sliding(TimeSpan.FromSeconds(60), Second))
            .Count()
            .Select(r => $"{r.Key} {r.Window.Start:O} {r.Value}");
        var sessions = events.KeyBy(e => e.Key)
            .Window(Windows.Session(TimeSpan.FromSeconds(0.6)))
            .Sum(e => e.Value)
            .Select(r => $"{r.Key} {r.Window.Start:O}-{r.Window.End:O} {r.Value}");
        return sliding.Union(sessions);
    }

    private sealed record Account(string Name, int Part);

    /// <summary>Per element, timers 1–12 s ahead (registered twice); an odd value deletes one of them again.</summary>
    private sealed class Reminders : KeyedProcessFunction<string, Ev, (string Key, DateTimeOffset Time)>
    {
        public override void ProcessElement(Ev element, KeyedProcessContext<string, (string Key, DateTimeOffset Time)> context)
        {
            for (int repeat = 0; repeat < 2; repeat++)
            {
                for (int j = 1; j <= 12; j++) context.RegisterEventTimeTimer(element.Time + (j * Second));
            }

            if (element.Value % 2 == 1) context.DeleteEventTimeTimer(element.Time + (((element.Value % 12) + 1) * Second)).Should().BeTrue();
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, (string Key, DateTimeOffset Time)> context) =>
            context.Emit((context.Key, time));
    }
}
