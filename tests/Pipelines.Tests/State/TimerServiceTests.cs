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
