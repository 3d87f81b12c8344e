using Pipelines.State;

namespace Pipelines.Tests.State;

public class TimerQueueTests
{
    private static readonly Window G = Namespaces.Global;

    private static List<KeyedTimer> PopDue(TimerQueue queue, long time)
    {
        var fired = new List<KeyedTimer>();
        while (queue.TryPopDue(time, out var timer)) fired.Add(timer);
        return fired;
    }

    /// <summary>What the queue promises, kept the slow way: live timers with the order they were registered in.</summary>
    private sealed class Model
    {
        private readonly List<(KeyedTimer Timer, long Seq, bool Once)> _live = [];
        private long _seq;

        public int Count => _live.Count;

        public bool Add(KeyedTimer timer, bool once)
        {
            if (!once && _live.Exists(t => !t.Once && t.Timer == timer)) return false;
            _live.Add((timer, _seq++, once));
            return true;
        }

        public bool Remove(KeyedTimer timer) => _live.RemoveAll(t => !t.Once && t.Timer == timer) > 0;

        public bool Contains(KeyedTimer timer) => _live.Exists(t => !t.Once && t.Timer == timer);

        public List<KeyedTimer> PopDue(long time)
        {
            var due = _live.Where(t => t.Timer.Time <= time).OrderBy(t => t.Timer.Time).ThenBy(t => t.Seq).ToList();
            _live.RemoveAll(t => t.Timer.Time <= time);
            return due.Select(t => t.Timer).ToList();
        }
    }

    [Theory]
    [InlineData(1, 40, 3)]
    [InlineData(2, 400, 40)]
    [InlineData(3, 5_000, 4)]
    public void RandomOperations_MatchTheModel_IncludingTiesDedupDeletesAndTheSortedDrain(int seed, int distinctTimes, int keyCount)
    {
        // Few keys with many timers each (past the per-key index), times repeating (ties, several buckets per time
        // when the newest-bucket table's slots collide), negative and far-apart times (radix bytes), and windows.
        var random = new Random(seed);
        var queue = new TimerQueue();
        var model = new Model();
        long[] times = Enumerable.Range(0, distinctTimes).Select(i => (random.Next(2) == 0 ? -1L : 1L) * random.NextInt64(1L << random.Next(1, 60))).ToArray();
        Window[] spaces = [G, new Window(0, 10), new Window(5, 15)];
        long now = long.MinValue;
        for (int round = 0; round < 30; round++)
        {
            for (int op = 0; op < 300; op++)
            {
                long time = times[random.Next(times.Length)];
                if (time <= now) continue;
                var timer = new KeyedTimer(random.Next(keyCount), spaces[random.Next(spaces.Length)], time);
                switch (random.Next(10))
                {
                    case < 2:
                        queue.Remove(timer.Key, timer.Namespace, timer.Time).Should().Be(model.Remove(timer));
                        break;
                    case 2:
                        queue.AddOnce(timer.Key, timer.Namespace, timer.Time);
                        model.Add(timer, once: true);
                        break;
                    default:
                        queue.Add(timer.Key, timer.Namespace, timer.Time).Should().Be(model.Add(timer, once: false));
                        break;
                }

                queue.Contains(timer.Key, timer.Namespace, timer.Time).Should().Be(model.Contains(timer));
            }

            queue.Count.Should().Be(model.Count);
            now = round == 29 ? long.MaxValue : times[random.Next(times.Length)];
            PopDue(queue, now).Should().Equal(model.PopDue(now));
        }

        queue.Count.Should().Be(0);
        queue.NextTime.Should().Be(long.MaxValue);
    }

    [Fact]
    public void TiesFireInRegistrationOrder_AndATimerDeletedThenRegisteredAgain_FiresOnceAtItsNewPlace()
    {
        var queue = new TimerQueue();
        queue.Add(1, G, 10).Should().BeTrue();
        queue.AddOnce(2, new Window(0, 11), 10);
        queue.Add(3, G, 10).Should().BeTrue();
        queue.Add(1, G, 5).Should().BeTrue();
        queue.Add(1, G, 10).Should().BeFalse();
        queue.Remove(1, G, 10).Should().BeTrue();
        queue.Add(1, G, 10).Should().BeTrue();

        queue.NextTime.Should().Be(5);
        PopDue(queue, 10).Should().Equal(new KeyedTimer(1, G, 5), new KeyedTimer(2, new Window(0, 11), 10), new KeyedTimer(3, G, 10), new KeyedTimer(1, G, 10));
        queue.Count.Should().Be(0);
    }

    [Fact]
    public void AKeyWithManyTimers_PastTheIndexThreshold_DedupsDeletesAndFiresInOrder()
    {
        var queue = new TimerQueue();
        int many = (TimerQueue.IndexAbove * 4) + 3;
        for (int i = many - 1; i >= 0; i--) queue.Add(7, G, i * 10).Should().BeTrue();
        queue.Add(8, G, 55).Should().BeTrue();
        for (int i = 0; i < many; i++) queue.Add(7, G, i * 10).Should().BeFalse();
        for (int i = 0; i < many; i += 2) queue.Remove(7, G, i * 10).Should().BeTrue();
        queue.Remove(7, G, 20).Should().BeFalse();
        queue.Contains(7, G, 30).Should().BeTrue();
        queue.Contains(7, G, 40).Should().BeFalse();
        queue.Pending().Should().HaveCount((many / 2) + 1);

        var fired = PopDue(queue, 100);
        fired.Should().Equal(new KeyedTimer(7, G, 10), new KeyedTimer(7, G, 30), new KeyedTimer(7, G, 50), new KeyedTimer(8, G, 55), new KeyedTimer(7, G, 70), new KeyedTimer(7, G, 90));

        // Fewer timers again, then none: the key's timers can still be found, and registered afresh.
        PopDue(queue, long.MaxValue).Should().OnlyContain(t => t.Key == 7 && t.Time % 20 == 10);
        queue.Add(7, G, 20).Should().BeTrue();
        queue.Add(7, G, 20).Should().BeFalse();
        PopDue(queue, long.MaxValue).Should().Equal(new KeyedTimer(7, G, 20));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(150)]
    public void InFiringOrder_ReplayedIntoAnEmptyQueue_GivesTheSameQueue_AlsoWhileFiringAndWhileDraining(int poppedAtTheEnd)
    {
        var queue = Filled(seed: 5);
        queue.TryPopDue(40, out _).Should().BeTrue(); // a bucket half fired
        for (int i = 0; i < poppedAtTheEnd; i++) queue.TryPopDue(long.MaxValue, out _).Should().BeTrue(); // the sorted drain under way

        var copy = new TimerQueue();
        foreach (var (timer, once) in queue.InFiringOrder())
        {
            if (once) copy.AddOnce(timer.Key, timer.Namespace, timer.Time);
            else copy.Add(timer.Key, timer.Namespace, timer.Time).Should().BeTrue();
        }

        copy.Count.Should().Be(queue.Count);
        copy.InFiringOrder().Should().Equal(queue.InFiringOrder());
        PopDue(copy, long.MaxValue).Should().Equal(PopDue(queue, long.MaxValue));
    }

    [Fact]
    public void RemoveKeys_DuringTheSortedDrain_HandsOverTheirTimers_AndTheRestKeepTheirOrder()
    {
        var queue = Filled(seed: 6);
        var reference = Filled(seed: 6);
        for (int i = 0; i < 20; i++)
        {
            queue.TryPopDue(long.MaxValue, out var a).Should().BeTrue();
            reference.TryPopDue(long.MaxValue, out var b).Should().BeTrue();
            a.Should().Be(b);
        }

        var expectedRemoved = reference.InFiringOrder().Select(t => t.Timer).Where(t => t.Key % 3 == 0).ToList();
        var expectedKept = PopDue(reference, long.MaxValue).Where(t => t.Key % 3 != 0).ToList();

        var removed = queue.RemoveKeys(key => key % 3 == 0);

        removed.Should().Equal(expectedRemoved);
        queue.Count.Should().Be(expectedKept.Count);
        queue.Pending().Should().OnlyContain(t => t.Key % 3 != 0);
        queue.NextTime.Should().Be(expectedKept[0].Time);
        queue.Add(3, G, 1).Should().BeTrue("the removed key's timers are gone from its index too");
        PopDue(queue, long.MaxValue).Should().Equal([new KeyedTimer(3, G, 1), .. expectedKept]);
        queue.RemoveKeys(_ => true).Should().BeEmpty();
    }

    [Fact]
    public void RadixSort_OrdersByTimeThenCreation_ForAnyTimesAndOrders()
    {
        var random = new Random(9);
        foreach (int count in (int[])[2, 3, 64, 1_000, 20_000])
        {
            var items = Enumerable.Range(0, count).Select(i => new TimeBucket(
                random.Next(3) switch { 0 => random.Next(20), 1 => random.NextInt64(long.MinValue, long.MaxValue), _ => 1_000_000 + random.Next(1 << 20) },
                random.Next(2) == 0 ? i : random.NextInt64(-5, 1L << 40),
                i)).DistinctBy(b => b.Order).ToArray();
            var expected = items.OrderBy(b => b.Time).ThenBy(b => b.Order).ToArray();
            var sorted = TimeBucketSort.Sort(items, new TimeBucket[items.Length], items.Length);
            sorted.Should().Equal(expected);

            var inCreationOrder = items.OrderBy(b => b.Order).ToArray();
            TimeBucketSort.Sort(inCreationOrder, new TimeBucket[items.Length], items.Length).Should().Equal(expected);
        }
    }

    [Fact]
    public void Heap_GivesBucketsInOrder_WhetherAddedBeforeOrBetweenRemovals()
    {
        var random = new Random(11);
        var heap = new TimeBucketHeap();
        var model = new List<TimeBucket>();
        long order = 0;
        for (int round = 0; round < 200; round++)
        {
            int adds = random.Next(3) == 0 ? random.Next(100) : random.Next(4);
            for (int i = 0; i < adds; i++)
            {
                var bucket = new TimeBucket(random.Next(50), order++, i);
                heap.Add(bucket);
                model.Add(bucket);
            }

            for (int i = random.Next(6); i > 0 && model.Count > 0; i--)
            {
                var first = model.MinBy(b => (b.Time, b.Order));
                heap.TryPeek(out var top).Should().BeTrue();
                top.Should().Be(first);
                heap.RemoveFirst();
                model.Remove(first);
            }

            heap.Count.Should().Be(model.Count);
        }
    }

    /// <summary>A queue with 300 timers at 200 times (ties) over 20 keys, tracked and once, a few deleted.</summary>
    private static TimerQueue Filled(int seed)
    {
        var random = new Random(seed);
        var queue = new TimerQueue();
        for (int i = 0; i < 300; i++)
        {
            int key = random.Next(20);
            long time = random.Next(200) * 7;
            if (random.Next(4) == 0) queue.AddOnce(key, new Window(0, time + 1), time);
            else if (queue.Add(key, G, time) && random.Next(10) == 0) queue.Remove(key, G, time);
        }

        return queue;
    }
}
