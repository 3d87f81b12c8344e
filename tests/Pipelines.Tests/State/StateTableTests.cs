using Pipelines.State;

namespace Pipelines.Tests.State;

/// <summary>
/// A key's entries form a list sorted newest first whose tail keeps a stale link (removing the oldest entry writes no
/// other entry). These tests check, against a plain model, that every walk still sees exactly the key's entries in
/// order, whatever mix of adds (newest, oldest, in between, after a given entry) and removals (oldest, newest, in
/// between) came before — the case that would break is an add after a tail whose old neighbour was removed and reused.
/// </summary>
public class StateTableTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void EveryWalk_SeesTheKeysEntriesNewestFirst_AfterAnyMixOfAddsAndRemovals(int seed)
    {
        var random = new Random(seed);
        var keys = new KeyTable<int>();
        var table = new StateTable<int, long>("t", keys);
        var model = new Dictionary<int, SortedDictionary<long, int>>();
        for (int id = 0; id < 4; id++)
        {
            int k = keys.GetOrAdd(id);
            keys.AddReference(k);
            model[k] = [];
        }

        for (int step = 0; step < 20_000; step++)
        {
            int key = random.Next(4);
            var entries = model[key];
            int choice = random.Next(10);
            if (choice < 5 || entries.Count == 0)
            {
                // Mostly near the newest (in-order windows), sometimes far behind it (late data).
                long start = choice < 3 && entries.Count > 0 ? entries.Keys.Max() + random.Next(1, 3) : random.Next(0, 200);
                int after = -1;
                if (choice == 4 && entries.Count > 0)
                {
                    // The walk may start after any entry newer than the one looked for.
                    var newer = entries.Where(e => e.Key > start).ToList();
                    if (newer.Count > 0) after = newer[random.Next(newer.Count)].Value;
                }

                int e = table.GetOrAddAfter(key, start, start + 10, after, out bool added);
                added.Should().Be(!entries.ContainsKey(start), "step {0}", step);
                if (added)
                {
                    table.Value(e) = start;
                    entries[start] = e;
                }
                else
                {
                    e.Should().Be(entries[start]);
                }
            }
            else
            {
                // Mostly the oldest (what timers remove), else the newest or one in between.
                long start = choice < 8 ? entries.Keys.Min() : choice == 8 ? entries.Keys.Max() : entries.Keys.ElementAt(random.Next(entries.Count));
                table.Remove(key, new Window(start, start + 10)).Should().BeTrue();
                entries.Remove(start);
            }

            CheckLists(table, model);
        }
    }

    private static void CheckLists(StateTable<int, long> table, Dictionary<int, SortedDictionary<long, int>> model)
    {
        foreach (var (key, entries) in model)
        {
            var forward = new List<long>();
            for (int e = table.First(key); e >= 0; e = table.Next(e)) forward.Add(table.Value(e));
            forward.Should().Equal(entries.Keys.Reverse());

            var backward = new List<long>();
            for (int e = table.Last(key); e >= 0; e = table.Previous(e)) backward.Add(table.Value(e));
            backward.Should().Equal(entries.Keys);

            foreach (var (start, entry) in entries) table.Find(key, new Window(start, start + 10)).Should().Be(entry);

            // What the in-order loops read without touching entries: the newest entry and its start, and the oldest.
            if (key < table.Heads.Length)
            {
                var head = table.Heads[key];
                (head.Entry, head.Start, head.Tail).Should().Be(entries.Count == 0
                    ? (-1, long.MaxValue, -1)
                    : (entries[entries.Keys.Max()], entries.Keys.Max(), entries[entries.Keys.Min()]));
            }
        }

        table.Count.Should().Be(model.Values.Sum(m => m.Count));
    }
}
