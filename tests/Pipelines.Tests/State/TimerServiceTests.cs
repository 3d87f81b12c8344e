using Pipelines.State;

namespace Pipelines.Tests.State;

public class TimerServiceTests
{
    private static readonly Window G = Namespaces.Global;

    private static List<(string Key, long Time)> FireDue(KeyTable<string> keys, TimerService<string> timers, TimeDomain domain, long time)
    {
        var fired = new List<(string, long)>();
        while (timers.TryPopDue(domain, time, out var timer))
        {
            fired.Add((keys[timer.Key], timer.Time));
            timers.Fired(in timer);
        }

        return fired;
    }

    [Fact]
    public void Timers_FireInTimeOrder_ThenRegistrationOrder_OnlyWhenDue()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("b"), G, 20);
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("a"), G, 10);
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("c"), G, 20);
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("d"), G, 30);

        FireDue(keys, timers, TimeDomain.EventTime, 5).Should().BeEmpty();
        FireDue(keys, timers, TimeDomain.EventTime, 20).Should().Equal(("a", 10), ("b", 20), ("c", 20));
        FireDue(keys, timers, TimeDomain.EventTime, long.MaxValue).Should().Equal(("d", 30));
        timers.Count(TimeDomain.EventTime).Should().Be(0);
    }

    [Fact]
    public void EndOfInput_FiresManyTimes_InTimeOrder_MergingTimersRegisteredAndDeletedWhileFiring()
    {
        // Enough distinct times that the +∞ drain sorts them at once instead of taking them from the heap one by one.
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        var expected = new List<(string, long)>();
        for (int i = 199; i >= 0; i--) timers.Register(TimeDomain.EventTime, keys.GetOrAdd($"k{i}"), G, 1_000 + (i * 10));
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("same-time"), G, 1_000 + (50 * 10));
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("deleted"), G, 1_000 + (150 * 10));
        FireDue(keys, timers, TimeDomain.EventTime, 1_000 + (9 * 10)).Should().HaveCount(10);

        var fired = new List<(string Key, long Time)>();
        long nextBefore = timers.NextTime(TimeDomain.EventTime);
        while (timers.TryPopDue(TimeDomain.EventTime, long.MaxValue, out var timer))
        {
            string key = keys[timer.Key];
            fired.Add((key, timer.Time));
            if (key == "k20")
            {
                // While firing: one between the remaining sorted times, one at a time still to come (after the
                // timers already registered there), one before everything left (fires next), and a deletion.
                timers.Register(TimeDomain.EventTime, keys.GetOrAdd("between"), G, 1_000 + (100 * 10) + 5);
                timers.Register(TimeDomain.EventTime, keys.GetOrAdd("late-same-time"), G, 1_000 + (50 * 10));
                timers.Register(TimeDomain.EventTime, keys.GetOrAdd("earlier"), G, 0);
                timers.Delete(TimeDomain.EventTime, keys.GetOrAdd("deleted"), G, 1_000 + (150 * 10)).Should().BeTrue();
                timers.NextTime(TimeDomain.EventTime).Should().Be(0);
            }

            timers.Fired(in timer);
        }

        nextBefore.Should().Be(1_000 + (10 * 10));
        for (int i = 10; i <= 20; i++) expected.Add(($"k{i}", 1_000 + (i * 10)));
        expected.Add(("earlier", 0));
        for (int i = 21; i < 200; i++)
        {
            expected.Add(($"k{i}", 1_000 + (i * 10)));
            if (i == 50) expected.AddRange([("same-time", 1_500), ("late-same-time", 1_500)]);
            if (i == 100) expected.Add(("between", 2_005));
        }

        fired.Should().Equal(expected);
        timers.Count(TimeDomain.EventTime).Should().Be(0);
        timers.NextTime(TimeDomain.EventTime).Should().Be(long.MaxValue);
    }

    [Fact]
    public void Timers_AreUniquePerKeyNamespaceAndTime_AndCanBeDeleted()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        int a = keys.GetOrAdd("a");
        timers.Register(TimeDomain.EventTime, a, G, 10).Should().BeTrue();
        timers.Register(TimeDomain.EventTime, a, G, 10).Should().BeFalse();
        timers.Register(TimeDomain.EventTime, a, new Window(0, 11), 10).Should().BeTrue();
        timers.Register(TimeDomain.EventTime, a, G, 15).Should().BeTrue();
        timers.Delete(TimeDomain.EventTime, a, G, 15).Should().BeTrue();
        timers.Delete(TimeDomain.EventTime, a, G, 15).Should().BeFalse();

        FireDue(keys, timers, TimeDomain.EventTime, 100).Should().Equal(("a", 10), ("a", 10));
    }

    [Fact]
    public void Timers_HoldTheirKey_UntilFiredOrDeleted()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        int a = keys.GetOrAdd("a");
        timers.Register(TimeDomain.ProcessingTime, a, G, 10);
        timers.Register(TimeDomain.ProcessingTime, a, G, 20);

        keys.References(a).Should().Be(2);
        timers.Delete(TimeDomain.ProcessingTime, a, G, 20);
        keys.IndexOf("a").Should().Be(a);
        FireDue(keys, timers, TimeDomain.ProcessingTime, 10).Should().Equal(("a", 10));
        keys.IndexOf("a").Should().Be(-1);
    }

    [Fact]
    public void Domains_AreSeparate()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        timers.Register(TimeDomain.EventTime, keys.GetOrAdd("e"), G, 10);
        timers.Register(TimeDomain.ProcessingTime, keys.GetOrAdd("p"), G, 10);

        FireDue(keys, timers, TimeDomain.ProcessingTime, 10).Should().Equal(("p", 10));
        FireDue(keys, timers, TimeDomain.EventTime, 10).Should().Equal(("e", 10));
    }

    [Fact]
    public void DeletedThenRegisteredAgain_FiresOnce()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        int a = keys.GetOrAdd("a");
        keys.AddReference(a); // state of the key holds it while its timer is moved
        timers.Register(TimeDomain.EventTime, a, G, 10);
        timers.Delete(TimeDomain.EventTime, a, G, 10);
        timers.Register(TimeDomain.EventTime, a, G, 10);

        FireDue(keys, timers, TimeDomain.EventTime, 10).Should().Equal(("a", 10));
        keys.References(a).Should().Be(1);
        keys.Release(a);
        keys.Count.Should().Be(0);
    }

    [Fact]
    public void ATimerRegisteredWhileFiring_AtADueTime_FiresInTheSamePass()
    {
        var keys = new KeyTable<string>();
        var timers = new TimerService<string>(keys);
        int a = keys.GetOrAdd("a");
        timers.Register(TimeDomain.EventTime, a, G, 10);
        var fired = new List<long>();
        while (timers.TryPopDue(TimeDomain.EventTime, 20, out var t))
        {
            fired.Add(t.Time);
            if (t.Time == 10) timers.Register(TimeDomain.EventTime, t.Key, G, 15);
            timers.Fired(in t);
        }

        fired.Should().Equal(10, 15);
    }
}
