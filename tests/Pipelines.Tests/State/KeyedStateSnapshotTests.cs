using Pipelines.Checkpoints.Serialization;
using Pipelines.Operators;
using Pipelines.State;
using Pipelines.State.Snapshots;

namespace Pipelines.Tests.State;

public class KeyedStateSnapshotTests
{
    private static readonly Window G = Namespaces.Global;
    private static readonly StateSerializerRegistry Registry = new();

    /// <summary>A worker's state as an operator keeps it: values, lists, maps and window slots, timers of both domains.</summary>
    private sealed class Worker<TKey>
        where TKey : notnull
    {
        public Worker(int maxParallelism = KeyGroups.DefaultMaxParallelism)
        {
            Store = new KeyedStateStore<TKey>();
            Timers = new TimerService<TKey>(Store.Keys);
            Counts = Store.Values<long>("count");
            Lists = Store.Lists<string>("list");
            Maps = Store.Maps<string, int>("map");
            Windows = Store.Values<WindowSlot<double>>("window");
            Schema = new StateSchema<TKey>("op-1", Registry.Codec<TKey>(), maxParallelism, new Dictionary<string, object>
            {
                ["count"] = Registry.Codec<long>(),
                ["list"] = new ListCodec<string>(Registry.Codec<string>()),
                ["map"] = new DictionaryCodec<string, int>(Registry.Codec<string>(), Registry.Codec<int>()),
                ["window"] = new WindowSlotCodec<double>(Registry.Codec<double>()),
            });
        }

        public KeyedStateStore<TKey> Store { get; }

        public TimerService<TKey> Timers { get; }

        public StateTable<TKey, long> Counts { get; }

        public StateTable<TKey, List<string>> Lists { get; }

        public StateTable<TKey, Dictionary<string, int>> Maps { get; }

        public StateTable<TKey, WindowSlot<double>> Windows { get; }

        public StateSchema<TKey> Schema { get; }

        public byte[] Snapshot(long watermark, int worker = 0, int parallelism = 1) => KeyedStateSnapshot.Write(Store, Timers, watermark, Schema, worker, parallelism);

        public long Restore(IReadOnlyList<byte[]> snapshots, KeyGroupRange range) =>
            KeyedStateSnapshot.Restore(Store, Timers, Schema, snapshots.Select(s => (ReadOnlyMemory<byte>)s).ToList(), range);

        /// <summary>Everything held, by (table, key, namespace), values rendered so lists and maps compare by content.</summary>
        public Dictionary<(string, TKey, Window), string> Content() => Store.Entries().ToDictionary(e => (e.State, e.Key, e.Namespace), e => Render(e.Value));

        public List<(TKey Key, Window Ns, long Time, bool Once)> TimersOf(TimeDomain domain) =>
            Timers.InFiringOrder(domain).Select(t => (Store.Keys[t.Timer.Key], t.Timer.Namespace, t.Timer.Time, t.Once)).ToList();

        private static string Render(object? value) => value switch
        {
            List<string> list => "[" + string.Join(",", list.Select(s => s ?? "<null>")) + "]",
            Dictionary<string, int> map => "{" + string.Join(",", map.Select(kv => $"{kv.Key}={kv.Value}")) + "}",
            WindowSlot<double> slot => $"slot({slot.Accumulator},{slot.PaneIndex},{slot.SinceLastPane},{slot.FiredOnTime})",
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "<null>",
        };
    }

    /// <summary>Fills a worker with every kind of state for keys "k0".."k{n-1}", windows as namespaces, and timers in both domains.</summary>
    private static void Fill(Worker<string> w, int keys)
    {
        var random = new Random(7);
        for (int i = 0; i < keys; i++)
        {
            int k = w.Store.Keys.GetOrAdd("k" + i);
            w.Counts.Value(w.Counts.GetOrAdd(k, G, out _)) = i * 1000L + 1;
            if (i % 2 == 0) w.Lists.Value(w.Lists.GetOrAdd(k, G, out _)) = ["a" + i, null!, "é€𝄞"];
            if (i % 3 == 0) w.Maps.Value(w.Maps.GetOrAdd(k, new Window(0, 100), out _)) = new Dictionary<string, int> { ["x"] = i, ["y"] = -i };
            for (int win = 0; win < 1 + (i % 4); win++)
            {
                var ns = new Window(win * 10, win * 10 + 10);
                ref var slot = ref w.Windows.Value(w.Windows.GetOrAdd(k, ns, out _));
                slot.Accumulator = i + (win / 4.0);
                slot.PaneIndex = win;
                slot.SinceLastPane = random.Next(0, 5);
                slot.FiredOnTime = win % 2 == 1;
                w.Timers.RegisterOnce(TimeDomain.EventTime, k, ns, ns.EndTicks - 1);
            }

            w.Timers.Register(TimeDomain.EventTime, k, G, 5 + (i % 7));
            w.Timers.Register(TimeDomain.ProcessingTime, k, G, 1_000 + (i % 3));
            if (i % 5 == 0) w.Timers.Delete(TimeDomain.EventTime, k, G, 5 + (i % 7));
        }
    }

    [Fact]
    public void WriteThenRestore_RoundTripsEveryStateKindTimersAndWatermark_Exactly()
    {
        var original = new Worker<string>();
        Fill(original, 200);
        byte[] snapshot = original.Snapshot(watermark: 4);

        var restored = new Worker<string>();
        long watermark = restored.Restore([snapshot], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism));

        watermark.Should().Be(4);
        restored.Content().Should().BeEquivalentTo(original.Content());
        restored.TimersOf(TimeDomain.EventTime).Should().Equal(original.TimersOf(TimeDomain.EventTime));
        restored.TimersOf(TimeDomain.ProcessingTime).Should().Equal(original.TimersOf(TimeDomain.ProcessingTime));
        restored.Store.Keys.Count.Should().Be(original.Store.Keys.Count);
        restored.Snapshot(watermark: 4).Should().Equal(snapshot, "a restored worker writes the same snapshot again");
    }

    [Fact]
    public void RestoredTimers_FireLikeTheOriginals_AndReleaseTheirKeys()
    {
        var original = new Worker<string>();
        Fill(original, 50);
        var restored = new Worker<string>();
        restored.Restore([original.Snapshot(0)], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism));

        foreach (var domain in new[] { TimeDomain.EventTime, TimeDomain.ProcessingTime })
        {
            Drain(original, domain).Should().Equal(Drain(restored, domain));
        }

        // Once the timers have fired, what still holds a key is its state only.
        restored.Store.Keys.Count.Should().Be(original.Store.Keys.Count);
    }

    private static List<(string, Window, long)> Drain(Worker<string> w, TimeDomain domain)
    {
        var fired = new List<(string, Window, long)>();
        while (w.Timers.TryPopDue(domain, long.MaxValue, out var timer))
        {
            fired.Add((w.Store.Keys[timer.Key], timer.Namespace, timer.Time));
            w.Timers.Fired(in timer);
        }

        return fired;
    }

    [Fact]
    public void AnEmptyWorker_RoundTrips()
    {
        var restored = new Worker<string>();
        restored.Restore([new Worker<string>().Snapshot(watermark: long.MinValue)], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)).Should().Be(long.MinValue);
        restored.Store.Entries().Should().BeEmpty();
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 2)]
    [InlineData(2, 7)]
    [InlineData(4, 1)]
    public void StateWrittenUnderOneParallelism_RestoresUnderAnother_EachKeyWithTheWorkerThatNowOwnsIt(int from, int to)
    {
        const int max = 16;
        var single = new Worker<string>(max);
        Fill(single, 120);
        var expected = single.Content();
        var expectedTimers = single.TimersOf(TimeDomain.EventTime).ToHashSet();

        // Split the state over `from` workers the way a run with that parallelism would hold it.
        var before = Redistribute([single.Snapshot(0)], max, from);
        var after = Redistribute(before.Select((w, i) => w.Snapshot(0, i, from)).ToList(), max, to);

        var hasher = new KeyHasher<string>(Registry.Codec<string>(), max);
        for (int i = 0; i < to; i++)
        {
            foreach (var (id, key) in after[i].Store.Keys.Entries())
            {
                KeyGroups.WorkerOf(hasher.KeyGroupOf(key), max, to).Should().Be(i, "key {0} belongs to the worker that owns its key group", key);
            }
        }

        after.SelectMany(w => w.Content()).Should().BeEquivalentTo(expected);
        after.SelectMany(w => w.TimersOf(TimeDomain.EventTime)).Should().BeEquivalentTo(expectedTimers);
        after.Sum(w => w.Store.Keys.Count).Should().Be(single.Store.Keys.Count);
    }

    private static List<Worker<string>> Redistribute(IReadOnlyList<byte[]> snapshots, int max, int parallelism) =>
        Enumerable.Range(0, parallelism).Select(i =>
        {
            var w = new Worker<string>(max);
            w.Restore(snapshots, KeyGroups.RangeOf(i, max, parallelism));
            return w;
        }).ToList();

    [Fact]
    public void Restore_TakesTheLowestWatermarkOfTheSnapshots()
    {
        var a = new Worker<string>();
        var b = new Worker<string>();
        a.Store.Keys.GetOrAdd("x");
        new Worker<string>().Restore([a.Snapshot(50, 0, 2), b.Snapshot(30, 1, 2)], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)).Should().Be(30);
    }

    [Fact]
    public void IntegerKeys_RoundTripAndRedistribute()
    {
        var store = new KeyedStateStore<int>();
        var sums = store.Values<long>("sum");
        var timers = new TimerService<int>(store.Keys);
        for (int key = -50; key < 1000; key += 3) sums.Value(sums.GetOrAdd(store.Keys.GetOrAdd(key), G, out _)) = key * 2L;
        var schema = new StateSchema<int>("sum", Registry.Codec<int>(), 32, new Dictionary<string, object> { ["sum"] = Registry.Codec<long>() });
        byte[] snapshot = KeyedStateSnapshot.Write(store, timers, 0, schema, 0, 1);

        var parts = Enumerable.Range(0, 3).Select(i =>
        {
            var s = new KeyedStateStore<int>();
            s.Values<long>("sum");
            KeyedStateSnapshot.Restore(s, new TimerService<int>(s.Keys), schema, [snapshot], KeyGroups.RangeOf(i, 32, 3));
            return s;
        }).ToList();

        parts.SelectMany(p => p.Entries()).Select(e => (e.Key, e.Value)).Should().BeEquivalentTo(store.Entries().Select(e => (e.Key, e.Value)));
        parts.Should().OnlyContain(p => p.Keys.Count > 0, "keys spread over every worker");
    }

    [Fact]
    public void TruncatedOrDamagedSnapshot_IsRefusedWithAFormatError()
    {
        var w = new Worker<string>();
        Fill(w, 20);
        byte[] snapshot = w.Snapshot(0);

        for (int length = 0; length < snapshot.Length; length += Math.Max(1, snapshot.Length / 37))
        {
            var act = () => new Worker<string>().Restore([snapshot[..length]], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism));
            act.Should().Throw<SnapshotFormatException>("a snapshot cut at {0} of {1} bytes", length, snapshot.Length);
        }

        byte[] wrongMagic = (byte[])snapshot.Clone();
        wrongMagic[0] = (byte)'X';
        FluentActions.Invoking(() => new Worker<string>().Restore([wrongMagic], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)))
            .Should().Throw<SnapshotFormatException>().WithMessage("*not a keyed state snapshot*");
    }

    [Fact]
    public void RestoringIntoAnOperatorThatChanged_IsRefusedNamingTheOperatorAndTheState()
    {
        var w = new Worker<string>();
        Fill(w, 5);
        byte[] snapshot = w.Snapshot(0);

        var otherType = new KeyedStateStore<string>();
        otherType.Values<int>("count");
        var schema = new StateSchema<string>("op-1", Registry.Codec<string>(), KeyGroups.DefaultMaxParallelism, new Dictionary<string, object> { ["count"] = Registry.Codec<int>() });
        FluentActions.Invoking(() => KeyedStateSnapshot.Restore(otherType, new TimerService<string>(otherType.Keys), schema, [snapshot], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)))
            .Should().Throw<InvalidOperationException>().WithMessage("Operator 'op-1' cannot restore*state 'count' held System.Int64 and now holds System.Int32*");

        FluentActions.Invoking(() => new Worker<string>(64).Restore([snapshot], KeyGroupRange.All(64)))
            .Should().Throw<InvalidOperationException>().WithMessage("*128 key groups*now has 64*");

        var intKeys = new KeyedStateStore<int>();
        var intSchema = new StateSchema<int>("op-1", Registry.Codec<int>(), KeyGroups.DefaultMaxParallelism, new Dictionary<string, object>());
        FluentActions.Invoking(() => KeyedStateSnapshot.Restore(intKeys, new TimerService<int>(intKeys.Keys), intSchema, [snapshot], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)))
            .Should().Throw<InvalidOperationException>().WithMessage("*keys were System.String and are now System.Int32*");

        var fewer = new KeyedStateStore<string>();
        fewer.Values<long>("count");
        FluentActions.Invoking(() => KeyedStateSnapshot.Restore(fewer, new TimerService<string>(fewer.Keys), w.Schema, [snapshot], KeyGroupRange.All(KeyGroups.DefaultMaxParallelism)))
            .Should().Throw<InvalidOperationException>().WithMessage("*holds state 'list', which the operator no longer declares*");
    }
}
