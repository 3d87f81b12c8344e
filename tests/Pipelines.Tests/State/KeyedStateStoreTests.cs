using Pipelines.State;

namespace Pipelines.Tests.State;

public class KeyedStateStoreTests
{
    private static readonly Window W1 = new(0, 10);
    private static readonly Window W2 = new(10, 20);

    [Fact]
    public void Value_PerKeyAndNamespace_IsIndependent()
    {
        var store = new KeyedStateStore<string>();
        var counts = store.Values<long>("count");
        int a = store.Keys.GetOrAdd("a"), b = store.Keys.GetOrAdd("b");

        counts.Value(counts.GetOrAdd(a, W1, out bool added1)) = 1;
        counts.Value(counts.GetOrAdd(a, W2, out _)) = 2;
        counts.Value(counts.GetOrAdd(b, W1, out _)) = 3;
        counts.Value(counts.GetOrAdd(a, W1, out bool added2)) += 10;

        added1.Should().BeTrue();
        added2.Should().BeFalse();
        counts.Value(counts.Find(a, W1)).Should().Be(11);
        counts.Value(counts.Find(a, W2)).Should().Be(2);
        counts.Value(counts.Find(b, W1)).Should().Be(3);
        counts.Find(b, W2).Should().Be(-1);
        store.Entries().Select(e => (e.State, e.Key, e.Namespace, e.Value)).Should().BeEquivalentTo(new[]
        {
            ("count", "a", W1, (object?)11L), ("count", "a", W2, 2L), ("count", "b", W1, 3L),
        });
    }

    [Fact]
    public void GetOrAddAfter_FindsAndOpensAnElementsWindowsInOneWalk_NewestFirst()
    {
        var store = new KeyedStateStore<long>();
        var table = store.Values<int>("windows");
        int k = store.Keys.GetOrAdd(7_000_000_000L);
        table.Value(table.GetOrAdd(k, new Window(20, 40), out _)) = 20;
        table.Value(table.GetOrAdd(k, new Window(0, 20), out _)) = 0;

        // Sliding windows of an element at 25 (size 20, slide 10), newest first: [20, 40) exists, [10, 30) is new.
        int e30 = table.GetOrAddAfter(k, 30, 50, -1, out bool added30);
        int e20 = table.GetOrAddAfter(k, 20, 40, e30, out bool added20);
        int e10 = table.GetOrAddAfter(k, 10, 30, e20, out bool added10);

        (added30, added20, added10).Should().Be((true, false, true));
        table.Value(e20).Should().Be(20);
        var order = new List<Window>();
        for (int e = table.First(k); e >= 0; e = table.Next(e)) order.Add(table.NamespaceOf(e));
        order.Should().Equal(new Window(30, 50), new Window(20, 40), new Window(10, 30), new Window(0, 20));
        table.Find(k, new Window(10, 30)).Should().Be(e10);
    }

    [Fact]
    public void KeyValues_HoldOneValuePerKey_InTheGlobalNamespaceOnly()
    {
        var store = new KeyedStateStore<string>();
        var values = store.KeyValues<int>("per-key");
        var windows = store.Values<int>("per-window");
        int a = store.Keys.GetOrAdd("a"), b = store.Keys.GetOrAdd("b");

        values.Value(values.GetOrAdd(a, Namespaces.Global, out bool added1)) = 1;
        values.Value(values.GetOrAdd(b, Namespaces.Global, out _)) = 2;
        values.Value(values.GetOrAdd(a, Namespaces.Global, out bool added2)) += 10;
        windows.Value(windows.GetOrAdd(a, W1, out _)) = 5;

        (added1, added2).Should().Be((true, false));
        values.Value(values.Find(a, Namespaces.Global)).Should().Be(11);
        values.Value(values.Find(b, Namespaces.Global)).Should().Be(2);
        values.Find(a, W1).Should().Be(-1, "a table of keys alone has no window namespaces");
        values.Invoking(t => t.GetOrAdd(a, W1, out _)).Should().Throw<InvalidOperationException>().WithMessage("*'per-key'*");

        store.Clear(a, W1);
        values.Count.Should().Be(2, "clearing a window leaves the state of keys alone");
        windows.Count.Should().Be(0);
        values.Remove(b, Namespaces.Global).Should().BeTrue();
        values.Find(b, Namespaces.Global).Should().Be(-1);
        store.Keys.IndexOf("b").Should().Be(-1, "its last state went");
        store.Entries().Select(e => (e.State, e.Key, e.Value)).Should().Equal(("per-key", "a", (object?)11));
    }

    [Fact]
    public void Clear_DropsTheNamespaceFromEveryTable_AndTheKeyWithItsLastState()
    {
        var store = new KeyedStateStore<string>();
        var values = store.Values<int>("value");
        var lists = store.Lists<string>("list");
        var maps = store.Maps<string, int>("map");
        int a = store.Keys.GetOrAdd("a");
        values.GetOrAdd(a, W1, out _);
        lists.Value(lists.GetOrAdd(a, W1, out _)) = ["x"];
        maps.Value(maps.GetOrAdd(a, W2, out _)) = new() { ["k"] = 1 };

        store.Clear(a, W1);

        values.Count.Should().Be(0);
        lists.Count.Should().Be(0);
        maps.Count.Should().Be(1);
        store.Keys.IndexOf("a").Should().Be(a, "the map entry in the other namespace still refers to the key");

        store.Clear(a, W2);

        store.Entries().Should().BeEmpty();
        store.Keys.IndexOf("a").Should().Be(-1);
        store.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void Namespaces_AreKeptNewestFirst_WhateverTheInsertionOrder()
    {
        var store = new KeyedStateStore<long>();
        var table = store.Values<int>("v");
        int k = store.Keys.GetOrAdd(7L);
        var windows = Enumerable.Range(0, 40).Select(i => new Window(i * 10L, i * 10L + 10)).ToArray();
        var shuffled = windows.ToArray();
        new Random(3).Shuffle(shuffled);
        foreach (var w in shuffled) table.Value(table.GetOrAdd(k, w, out _)) = (int)(w.StartTicks / 10);

        var order = new List<long>();
        for (int e = table.First(k); e >= 0; e = table.Next(e)) order.Add(table.NamespaceOf(e).StartTicks);

        order.Should().BeInDescendingOrder().And.HaveCount(40);
        foreach (var w in windows) table.Value(table.Find(k, w)).Should().Be((int)(w.StartTicks / 10));
    }

    [Fact]
    public void Namespaces_SharingAStart_AreDistinctEntries()
    {
        var store = new KeyedStateStore<string>();
        var table = store.Values<int>("v");
        int k = store.Keys.GetOrAdd("k");
        table.Value(table.GetOrAdd(k, new Window(0, 10), out _)) = 1;
        table.Value(table.GetOrAdd(k, new Window(0, 20), out _)) = 2;

        table.Value(table.Find(k, new Window(0, 10))).Should().Be(1);
        table.Value(table.Find(k, new Window(0, 20))).Should().Be(2);
        table.Count.Should().Be(2);
    }

    [Fact]
    public void KeyIds_AreReused_AfterTheLastReferenceGoes()
    {
        var store = new KeyedStateStore<string>();
        var table = store.Values<int>("v");
        int a = store.Keys.GetOrAdd("a");
        int e = table.GetOrAdd(a, W1, out _);
        table.Remove(e);
        int b = store.Keys.GetOrAdd("b");

        b.Should().Be(a);
        store.Keys[b].Should().Be("b");
        table.Find(b, W1).Should().Be(-1);
    }

    [Fact]
    public void IntKeys_OfEverySign_MapToTheirIds_AndGoWithTheirLastReference()
    {
        var keys = new KeyTable<int>();
        int small = keys.GetOrAdd(5), negative = keys.GetOrAdd(-5), large = keys.GetOrAdd(int.MaxValue);
        keys.AddReference(small);
        keys.AddReference(negative);
        keys.AddReference(large);

        keys.IndexOf(5).Should().Be(small);
        keys.IndexOf(-5).Should().Be(negative);
        keys.IndexOf(int.MaxValue).Should().Be(large);
        keys.Release(small);
        keys.IndexOf(5).Should().Be(-1);
        keys.IndexOf(-5).Should().Be(negative);
        keys.Count.Should().Be(2);
    }

    [Fact]
    public void KeysComingAndGoing_InAnyOrder_AreFoundAsADictionaryFindsThem()
    {
        // Colliding hash codes (multiples of 1 << 20, and keys whose hash codes are equal) exercise the probe runs
        // and the back-shifting of keys after a removed one.
        var keys = new KeyTable<long>();
        var model = new Dictionary<long, int>();
        var random = new Random(16);
        for (int step = 0; step < 20_000; step++)
        {
            long key = random.Next(4) switch
            {
                0 => random.Next(200) << 20,
                1 => ((long)random.Next(50) << 32) | (uint)random.Next(50),
                _ => random.Next(300),
            };
            if (model.TryGetValue(key, out int id) && random.Next(3) == 0)
            {
                keys.Release(id);
                model.Remove(key);
            }
            else if (!model.ContainsKey(key))
            {
                id = keys.GetOrAdd(key);
                keys.AddReference(id);
                model.Add(key, id);
            }

            if (step % 997 == 0)
            {
                foreach (var (k, i) in model) keys.IndexOf(k).Should().Be(i);
            }
        }

        foreach (var (k, i) in model) keys.IndexOf(k).Should().Be(i);
        keys.Count.Should().Be(model.Count);
        keys.Entries().Should().BeEquivalentTo(model.Select(p => (p.Value, p.Key)));
    }

    [Fact]
    public void IntKeys_SmallLargeAndNegative_ComingAndGoing_AreFoundAsADictionaryFindsThem()
    {
        // Small keys are answered by the dense array, which grows while keys are held (and must then know them);
        // negative and large keys only by the slots; a removed key must be gone from both.
        var keys = new KeyTable<int>();
        var model = new Dictionary<int, int>();
        var random = new Random(17);
        for (int step = 0; step < 20_000; step++)
        {
            int key = random.Next(4) switch
            {
                0 => -random.Next(1, 100),
                1 => random.Next(1 << 21, 1 << 22),
                2 => random.Next(step / 4 + 10),
                _ => random.Next(64),
            };
            if (model.TryGetValue(key, out int id) && random.Next(3) == 0)
            {
                keys.Release(id);
                model.Remove(key);
                keys.IndexOf(key).Should().Be(-1);
            }
            else if (!model.ContainsKey(key))
            {
                keys.IndexOf(key).Should().Be(-1);
                id = keys.GetOrAdd(key);
                keys.AddReference(id);
                model.Add(key, id);
            }
            else
            {
                keys.GetOrAdd(key).Should().Be(model[key]);
            }

            if (step % 997 == 0)
            {
                foreach (var (k, i) in model) keys.IndexOf(k).Should().Be(i);
            }
        }

        foreach (var (k, i) in model) keys.IndexOf(k).Should().Be(i);
        keys.Count.Should().Be(model.Count);
        keys.Entries().Should().BeEquivalentTo(model.Select(p => (p.Value, p.Key)));
    }

    [Fact]
    public void IntKeys_WithACustomComparer_AreTheSameKeyWhenTheComparerSaysSo()
    {
        // The array that answers small int keys first indexes by value: it must not bypass the comparer.
        var keys = new KeyTable<int>(new LastDigit());
        int id = keys.GetOrAdd(3);
        keys.AddReference(id);

        keys.IndexOf(13).Should().Be(id, "13 and 3 are the same key to the comparer");
        keys.GetOrAdd(23).Should().Be(id);
        keys.IndexOf(3).Should().Be(id);
        keys.Count.Should().Be(1);
        keys.Release(id);
        keys.IndexOf(13).Should().Be(-1);
    }

    /// <summary>Ints are the same key when their last decimal digits are.</summary>
    private sealed class LastDigit : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x % 10 == y % 10;

        public int GetHashCode(int obj) => obj % 10;
    }

    [Fact]
    public void AComparer_DecidesWhichKeysAreTheSame()
    {
        var keys = new KeyTable<string>(StringComparer.OrdinalIgnoreCase);
        int id = keys.GetOrAdd("Customer-1");

        keys.IndexOf("CUSTOMER-1").Should().Be(id);
        keys.GetOrAdd("customer-1").Should().Be(id);
        keys.IndexOf("customer-2").Should().Be(-1);
        keys[id].Should().Be("Customer-1");
    }

    [Fact]
    public void StringsChosenToCollide_SwitchTheTableToTheRandomizedHash_AndStayFound()
    {
        // Four-character strings with the same fast hash: each of its two lanes takes one pair of characters,
        // (c ^ a) + (c ^ b) * 1566083941 with c the lanes' start; stepping b by t and a by -t * 1566083941 keeps it.
        uint start = (5381u << 16) + 5381;
        uint c = System.Numerics.BitOperations.RotateLeft(start, 5) + start;
        var colliding = Enumerable.Range(0, 300).Select(t =>
        {
            uint a = c ^ (uint)(0x41414141 - (t * 1566083941L));
            uint b = c ^ (uint)(0x42424242 + t);
            return new string([(char)a, (char)(a >> 16), (char)b, (char)(b >> 16)]);
        }).ToList();
        colliding.Select(StringHash.Fast).Distinct().Should().ContainSingle("the test needs keys that collide");
        colliding.Distinct().Should().HaveCount(300);

        var keys = new KeyTable<string>();
        var ids = colliding.ToDictionary(k => k, k =>
        {
            int id = keys.GetOrAdd(k);
            keys.AddReference(id);
            return id;
        });

        foreach (var (k, id) in ids) keys.IndexOf(k).Should().Be(id);
        keys.Count.Should().Be(colliding.Count);

        // Removing keys after the switch finds their slots by the randomized hash, and the others stay found.
        foreach (var k in colliding.Where((_, i) => i % 2 == 0)) keys.Release(ids[k]);
        foreach (var (k, i) in colliding.Select((k, i) => (k, i))) keys.IndexOf(k).Should().Be(i % 2 == 0 ? -1 : ids[k]);
        keys.Count.Should().Be(colliding.Count / 2);
    }

    [Fact]
    public void Declaring_TheSameStateTwice_IsRefused()
    {
        var store = new KeyedStateStore<string>();
        store.Values<int>("v");
        var act = () => store.Lists<int>("v");
        act.Should().Throw<InvalidOperationException>().WithMessage("*'v'*declared twice*");
    }
}
