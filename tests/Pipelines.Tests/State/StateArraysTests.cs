using System.Buffers;
using Pipelines.Operators;
using Pipelines.State;
using Pipelines.Tests.TestSupport;
using Pipelines.Windowing;

namespace Pipelines.Tests.State;

/// <summary>
/// State arrays come from the shared pool and go back to it when they grow and when the run ends. A pooled array
/// comes back with whatever its last user left in it, so each test first leaves dirty arrays in the pool (on this
/// thread, whose cache hands them out first) and then checks that the state reads as new.
/// </summary>
public class StateArraysTests
{
    private const int Large = StateArrays.PooledFrom * 4;

    [Fact]
    public void Resize_KeepsTheItemsAndZeroesTheRest_WhenThePoolHandsBackADirtyArray()
    {
        LeaveDirty<long>(Large * 2, -1);
        var array = Enumerable.Range(1, Large).Select(i => (long)i).ToArray();

        StateArrays.Resize(ref array, Large * 2);

        array.Should().HaveCount(Large * 2);
        array.Take(Large).Should().Equal(Enumerable.Range(1, Large).Select(i => (long)i));
        array.Skip(Large).Should().OnlyContain(v => v == 0);
    }

    [Fact]
    public void Allocate_IsZeroed_AndAtLeastAsLongAsAskedFor()
    {
        LeaveDirty<int>(Large, 7);

        var array = StateArrays.Allocate<int>(Large - 5);

        array.Length.Should().BeGreaterThanOrEqualTo(Large - 5);
        array.Should().OnlyContain(v => v == 0);
        StateArrays.Allocate<int>(10).Should().HaveCount(10, "small arrays are allocated as asked");
    }

    [Fact]
    public void Return_IgnoresLengthsThePoolDoesNotHold()
    {
        var odd = new int[StateArrays.PooledFrom + 3];
        var small = new int[16];

        var returning = () =>
        {
            StateArrays.Return(odd);
            StateArrays.Return(small);
        };

        returning.Should().NotThrow();
    }

    [Fact]
    public void Return_ClearsArraysHoldingReferences_SoThePoolKeepsNoElementAlive()
    {
        var array = new string[Large];
        array.AsSpan().Fill("held");

        StateArrays.Return(array);

        array.Should().OnlyContain(s => s == null);
    }

    [Fact]
    public void AKeyTableAfterAReleasedOne_FindsExactlyItsOwnKeys()
    {
        var first = new KeyTable<int>();
        for (int key = 0; key < Large; key++) first.AddReference(first.GetOrAdd(key));
        first.ReleaseArrays();
        first.Count.Should().Be(0);
        first.IndexOf(5).Should().Be(-1);

        // The second table takes the first one's (dirty) dense index and reference counts from the pool.
        var second = new KeyTable<int>();
        var ids = new Dictionary<int, int>();
        for (int key = Large; key < 2 * Large; key++)
        {
            int id = second.GetOrAdd(key);
            second.AddReference(id);
            ids[key] = id;
        }

        for (int key = 0; key < Large; key++) second.IndexOf(key).Should().Be(-1);
        foreach (var (key, id) in ids)
        {
            second.IndexOf(key).Should().Be(id);
            second.References(id).Should().Be(1);
        }
    }

    [Fact]
    public void AStateTableAfterReleasingItsArrays_IsEmptyAndWorksAgain()
    {
        var keys = new KeyTable<string>();
        var table = new StateTable<string, long>("counts", keys);
        for (int i = 0; i < Large; i++) table.Value(table.GetOrAdd(keys.GetOrAdd($"k{i}"), Namespaces.Global, out _)) = i + 1;

        table.ReleaseArrays();
        keys.ReleaseArrays();

        table.Count.Should().Be(0);
        table.Entries().Should().BeEmpty();
        for (int i = 0; i < Large; i++)
        {
            int e = table.GetOrAdd(keys.GetOrAdd($"n{i}"), new Window(i, i + 10), out bool added);
            added.Should().BeTrue();
            table.Value(e).Should().Be(0, "a new entry starts at its default, whatever the array held before");
            table.Value(e) = i;
        }

        table.Entries().Select(e => (long)e.Value!).Should().BeEquivalentTo(Enumerable.Range(0, Large).Select(i => (long)i));
    }

    [Fact]
    public void ATimerQueueAfterAReleasedOne_HasExactlyItsOwnTimers()
    {
        var first = new TimerQueue();
        for (int key = 0; key < Large; key++)
        {
            first.Add(key, Namespaces.Global, 100 + key).Should().BeTrue();
            first.Add(key, Namespaces.Global, 200 + key).Should().BeTrue();
        }

        first.ReleaseArrays();
        first.Count.Should().Be(0);
        first.TryPopDue(long.MaxValue, out _).Should().BeFalse();

        var second = new TimerQueue();
        for (int key = 0; key < Large; key++)
        {
            second.Contains(key, Namespaces.Global, 100 + key).Should().BeFalse();
            second.Add(key, Namespaces.Global, 300 + key).Should().BeTrue();
        }

        second.Count.Should().Be(Large);
        var fired = new List<KeyedTimer>();
        while (second.TryPopDue(long.MaxValue, out var timer)) fired.Add(timer);
        fired.Should().Equal(Enumerable.Range(0, Large).Select(key => new KeyedTimer(key, Namespaces.Global, 300 + key)));
    }

    [Fact]
    public void AKeysManyTimers_IndexedAfterAReleasedQueueIndexedOthers_AreFoundDedupedAndDeleted()
    {
        var first = new TimerQueue();
        for (int t = 0; t < Large; t++) first.Add(1, Namespaces.Global, t).Should().BeTrue();
        first.ReleaseArrays();

        // The second queue's index of key 2 takes the first one's (dirty) index array from the pool.
        var second = new TimerQueue();
        for (int t = 0; t < Large; t++) second.Add(2, Namespaces.Global, t).Should().BeTrue();
        second.Contains(1, Namespaces.Global, 5).Should().BeFalse();
        second.Add(2, Namespaces.Global, 5).Should().BeFalse();
        for (int t = 0; t < Large; t += 2) second.Remove(2, Namespaces.Global, t).Should().BeTrue();

        var fired = new List<long>();
        while (second.TryPopDue(long.MaxValue, out var timer)) fired.Add(timer.Time);
        fired.Should().Equal(Enumerable.Range(0, Large).Where(t => t % 2 == 1).Select(t => (long)t));
    }

    [Fact]
    public async Task AKeyedOperator_GivesUpItsStateAndTimers_WhenTheRunDisposesIt()
    {
        var h = new OperatorHarness<string, WindowResult<string, long>>((context, output) => new WindowAggregate<string, string, long, long>(
            s => s[..1],
            Windows.Tumbling(TimeSpan.FromTicks(10)),
            new PaneEmitter<string, string, long, long>(Aggregations.Count<string>(), TriggerSpec.Default, output, null, context),
            context));
        for (int i = 0; i < 100; i++) h.Element($"{(char)('a' + (i % 26))}{i}", i);
        h.State.Keys.Count.Should().BeGreaterThan(0);
        h.Timers.Count(TimeDomain.EventTime).Should().BeGreaterThan(0);

        await h.Operator.DisposeAsync();

        h.State.Keys.Count.Should().Be(0);
        h.State.Entries().Should().BeEmpty();
        h.Timers.Count(TimeDomain.EventTime).Should().Be(0);
    }

    /// <summary>Leaves an array of <paramref name="length"/> filled with <paramref name="value"/> in this thread's pool cache.</summary>
    private static void LeaveDirty<T>(int length, T value)
    {
        var dirty = ArrayPool<T>.Shared.Rent(length);
        dirty.AsSpan().Fill(value);
        ArrayPool<T>.Shared.Return(dirty);
    }
}
