namespace Pipelines.State.Snapshots;

/// <summary>
/// The snapshot of one stateful worker: its keyed state (every table), its timers (both domains, in firing
/// order) and its watermark, split into key groups so that a worker of another parallelism can read just the
/// groups it owns.
/// </summary>
/// <remarks>
/// Format (version 1), little-endian:
/// <code>
/// "PLKS" u16:version str:operatorId i32:worker i32:parallelism i32:maxParallelism i64:watermark
/// str:keyType i32:tableCount { str:name str:valueType }
/// i32:groupCount { i32:group i32:offset i32:length }      offsets from the start of the data
/// data: one block per group
///   keys:     i32:n { value }
///   per table (header order): i32:n { i32:key i64:start i64:end value }
///   event-time timers, then processing-time timers: i32:n { i32:key i64:start i64:end i64:time i32:order u8:once }
/// </code>
/// A <c>value</c> is an i32 length and the bytes its codec wrote; <c>str</c> is an i32 length and UTF-8; a key is
/// referred to by its index within its group's key list. Checksums are the storage's business (the manifest).
/// </remarks>
internal static class KeyedStateSnapshot
{
    public const ushort Version = 1;

    private static ReadOnlySpan<byte> Magic => "PLKS"u8;

    /// <summary>Writes the snapshot of a worker's state, timers and watermark.</summary>
    public static byte[] Write<TKey>(KeyedStateStore<TKey> store, TimerService<TKey> timers, long watermark, StateSchema<TKey> schema, int worker, int parallelism)
        where TKey : notnull
    {
        var (tables, written) = WriteGroups(store, timers, schema);
        return Assemble(schema, tables, worker, parallelism, watermark, written);
    }

    /// <summary>
    /// Writes one snapshot per key group of <paramref name="groups"/> (the partitions a worker owns), each holding
    /// only that group's keys, state and timers: a group without keys gets a snapshot without groups.
    /// </summary>
    public static Dictionary<int, byte[]> WritePerGroup<TKey>(KeyedStateStore<TKey> store, TimerService<TKey> timers, long watermark, StateSchema<TKey> schema, int worker, int parallelism, IEnumerable<int> groups)
        where TKey : notnull
    {
        var (tables, written) = WriteGroups(store, timers, schema);
        var byGroup = written.ToDictionary(w => w.Group, w => w.Output);
        var result = new Dictionary<int, byte[]>();
        foreach (int group in groups)
        {
            result[group] = Assemble(schema, tables, worker, parallelism, watermark, byGroup.TryGetValue(group, out var output) ? [(group, output)] : []);
        }

        return result;
    }

    private static (List<ISnapshotTable<TKey>> Tables, List<(int Group, SnapshotOutput Output)> Written) WriteGroups<TKey>(KeyedStateStore<TKey> store, TimerService<TKey> timers, StateSchema<TKey> schema)
        where TKey : notnull
    {
        var keys = store.Keys;
        var hasher = schema.CreateHasher();
        var groups = new KeyGroupWriter(schema.MaxParallelism, keys.Capacity);
        var ids = keys.Entries().Select(e => e.Id).ToArray();
        Array.Sort(ids);
        foreach (int id in ids)
        {
            TKey key = keys[id];
            groups.AddKey(id, hasher.KeyGroupOf(key)).WriteValue(schema.Keys, key);
        }

        groups.EndSection();
        var tables = SnapshotTables(store);
        foreach (var table in tables)
        {
            groups.BeginSection();
            table.WriteEntries(groups, schema.CodecOf(table.Name));
            groups.EndSection();
        }

        foreach (var domain in (ReadOnlySpan<TimeDomain>)[TimeDomain.EventTime, TimeDomain.ProcessingTime])
        {
            groups.BeginSection();
            int order = 0;
            foreach (var (timer, once) in timers.InFiringOrder(domain))
            {
                var output = groups.Item(timer.Key);
                output.WriteInt32(groups.LocalIndex(timer.Key));
                output.WriteInt64(timer.Namespace.StartTicks);
                output.WriteInt64(timer.Namespace.EndTicks);
                output.WriteInt64(timer.Time);
                output.WriteInt32(order++);
                output.WriteByte(once ? (byte)1 : (byte)0);
            }

            groups.EndSection();
        }

        return (tables, groups.Groups().ToList());
    }

    private static byte[] Assemble<TKey>(StateSchema<TKey> schema, List<ISnapshotTable<TKey>> tables, int worker, int parallelism, long watermark, List<(int Group, SnapshotOutput Output)> written)
        where TKey : notnull
    {
        var file = new SnapshotOutput(1024);
        file.WriteBytes(Magic);
        file.WriteBytes([(byte)Version, (byte)(Version >> 8)]);
        file.WriteString(schema.OperatorId);
        file.WriteInt32(worker);
        file.WriteInt32(parallelism);
        file.WriteInt32(schema.MaxParallelism);
        file.WriteInt64(watermark);
        file.WriteString(StableTypeName.Of(typeof(TKey)));
        file.WriteInt32(tables.Count);
        foreach (var table in tables)
        {
            file.WriteString(table.Name);
            file.WriteString(StableTypeName.Of(table.ValueType));
        }

        file.WriteInt32(written.Count);
        int offset = 0;
        foreach (var (group, output) in written)
        {
            file.WriteInt32(group);
            file.WriteInt32(offset);
            file.WriteInt32(output.Length);
            offset = checked(offset + output.Length);
        }

        foreach (var (_, output) in written) file.WriteBytes(output.Written);
        return file.ToArray();
    }

    /// <summary>Reads a snapshot's header.</summary>
    public static SnapshotHeader ReadHeader(ReadOnlyMemory<byte> snapshot)
    {
        var input = new SnapshotInput(snapshot);
        if (!input.ReadBytes(4).SequenceEqual(Magic)) throw new SnapshotFormatException("This is not a keyed state snapshot (its first bytes are not 'PLKS').");
        var versionBytes = input.ReadBytes(2);
        int version = versionBytes[0] | (versionBytes[1] << 8);
        if (version != Version) throw new SnapshotFormatException($"The snapshot has format version {version}; this version of Pipelines reads version {Version}.");
        string operatorId = input.ReadString();
        int worker = input.ReadInt32(), parallelism = input.ReadInt32(), maxParallelism = input.ReadInt32();
        long watermark = input.ReadInt64();
        string keyType = input.ReadString();
        int tableCount = input.ReadCount(8);
        var tables = new List<(string Name, string ValueType)>(tableCount);
        for (int i = 0; i < tableCount; i++) tables.Add((input.ReadString(), input.ReadString()));
        int groupCount = input.ReadCount(12);
        var groups = new List<(int Group, int Offset, int Length)>(groupCount);
        for (int i = 0; i < groupCount; i++) groups.Add((input.ReadInt32(), input.ReadInt32(), input.ReadInt32()));
        int dataStart = input.Position;
        foreach (var (group, offset, length) in groups)
        {
            if (group < 0 || group >= maxParallelism || offset < 0 || length < 0 || (long)offset + length > input.Remaining)
            {
                throw new SnapshotFormatException($"Key group {group} (at {offset}, {length} bytes) does not fit the snapshot.");
            }
        }

        return new SnapshotHeader(operatorId, worker, parallelism, maxParallelism, watermark, keyType, tables, groups, dataStart);
    }

    /// <summary>
    /// Restores the key groups of <paramref name="range"/> from the snapshots of an operator's workers (all of them,
    /// taken at one checkpoint under any parallelism) into an empty store and timer service. Returns the lowest
    /// watermark among the snapshots: every timer due by it has fired in every old worker.
    /// </summary>
    public static long Restore<TKey>(KeyedStateStore<TKey> store, TimerService<TKey> timers, StateSchema<TKey> schema, IReadOnlyList<ReadOnlyMemory<byte>> snapshots, KeyGroupRange range)
        where TKey : notnull
    {
        if (store.Keys.Count != 0) throw new InvalidOperationException($"Operator '{schema.OperatorId}': state is restored into an empty store only.");
        return RestoreInto(store, timers, schema, snapshots, range.Contains);
    }

    /// <summary>
    /// Restores the key groups <paramref name="include"/> selects from <paramref name="snapshots"/> into a store and
    /// timer service that may hold other groups already (a running worker taking over partitions): none of the
    /// restored keys may be held yet. Returns the lowest watermark among the snapshots.
    /// </summary>
    public static long RestoreInto<TKey>(KeyedStateStore<TKey> store, TimerService<TKey> timers, StateSchema<TKey> schema, IReadOnlyList<ReadOnlyMemory<byte>> snapshots, Func<int, bool> include)
        where TKey : notnull
    {
        var tables = SnapshotTables(store).ToDictionary(t => t.Name, StringComparer.Ordinal);
        long watermark = long.MaxValue;
        var pending = new List<PendingTimer>();
        var restoredKeys = new List<int>();
        for (int file = 0; file < snapshots.Count; file++)
        {
            var header = ReadHeader(snapshots[file]);
            Check(header, schema, tables);
            watermark = Math.Min(watermark, header.Watermark);
            var fileTables = header.Tables.Select(t => tables[t.Name]).ToArray();
            foreach (var (group, offset, length) in header.Groups)
            {
                if (!include(group)) continue;
                var block = new SnapshotInput(snapshots[file].Slice(header.DataStart + offset, length));
                ReadGroup(block, store, schema, fileTables, file, pending, restoredKeys, group);
                if (block.Remaining != 0) throw new SnapshotFormatException($"Key group {group} has {block.Remaining} bytes left over.");
            }
        }

        pending.Sort();
        foreach (var t in pending)
        {
            if (t.Once) timers.RegisterOnce(t.Domain, t.Key, t.Namespace, t.Time);
            else if (!timers.Register(t.Domain, t.Key, t.Namespace, t.Time)) throw new SnapshotFormatException($"Timer ({store.Keys[t.Key]}, {t.Namespace}, {t.Time}) is held twice.");
        }

        foreach (int key in restoredKeys) store.Keys.ReleaseIfUnreferenced(key);
        return snapshots.Count == 0 ? Time.EventTime.MinWatermark : watermark;
    }

    private static void ReadGroup<TKey>(SnapshotInput block, KeyedStateStore<TKey> store, StateSchema<TKey> schema, ISnapshotTable<TKey>[] tables, int file, List<PendingTimer> pending, List<int> restoredKeys, int group)
        where TKey : notnull
    {
        var hasher = schema.CreateHasher();
        int keyCount = block.ReadCount(4);
        var ids = new int[keyCount];
        for (int i = 0; i < keyCount; i++)
        {
            TKey key = block.ReadValue(schema.Keys);
            if (hasher.KeyGroupOf(key) != group) throw new SnapshotFormatException($"Key '{key}' is stored in key group {group} but hashes to {hasher.KeyGroupOf(key)}: the key type's hash or serialized form changed.");
            if (store.Keys.IndexOf(key) >= 0) throw new SnapshotFormatException($"Key '{key}' is held by two snapshots.");
            ids[i] = store.Keys.GetOrAdd(key);
            restoredKeys.Add(ids[i]);
        }

        foreach (var table in tables)
        {
            object codec = schema.CodecOf(table.Name);
            int count = block.ReadCount(24);
            for (int i = 0; i < count; i++)
            {
                int key = KeyId(ids, block.ReadInt32());
                var ns = new Window(block.ReadInt64(), block.ReadInt64());
                table.ReadEntry(key, ns, block, codec);
            }
        }

        foreach (var domain in (ReadOnlySpan<TimeDomain>)[TimeDomain.EventTime, TimeDomain.ProcessingTime])
        {
            int count = block.ReadCount(33);
            for (int i = 0; i < count; i++)
            {
                int key = KeyId(ids, block.ReadInt32());
                var ns = new Window(block.ReadInt64(), block.ReadInt64());
                long time = block.ReadInt64();
                int order = block.ReadInt32();
                bool once = block.ReadByte() switch
                {
                    0 => false,
                    1 => true,
                    var b => throw new SnapshotFormatException($"A timer's flag reads {b}."),
                };
                pending.Add(new PendingTimer(domain, time, file, order, key, ns, once));
            }
        }
    }

    private static int KeyId(int[] ids, int local) => (uint)local < (uint)ids.Length
        ? ids[local]
        : throw new SnapshotFormatException($"Key index {local} is out of range ({ids.Length} keys in the group).");

    private static void Check<TKey>(SnapshotHeader header, StateSchema<TKey> schema, Dictionary<string, ISnapshotTable<TKey>> tables)
        where TKey : notnull
    {
        string Refuse(string why) => $"Operator '{schema.OperatorId}' cannot restore its state from the checkpoint: {why}";
        if (header.OperatorId != schema.OperatorId) throw new InvalidOperationException(Refuse($"the snapshot belongs to operator '{header.OperatorId}'."));
        if (header.MaxParallelism != schema.MaxParallelism)
        {
            throw new InvalidOperationException(Refuse($"it was written with {header.MaxParallelism} key groups (maximum parallelism) and the pipeline now has {schema.MaxParallelism}; the maximum parallelism cannot change for the life of the state."));
        }

        string keyType = StableTypeName.Of(typeof(TKey));
        if (header.KeyType != keyType) throw new InvalidOperationException(Refuse($"its keys were {header.KeyType} and are now {keyType}."));
        foreach (var (name, valueType) in header.Tables)
        {
            if (!tables.TryGetValue(name, out var table)) throw new InvalidOperationException(Refuse($"it holds state '{name}', which the operator no longer declares."));
            string now = StableTypeName.Of(table.ValueType);
            if (now != valueType) throw new InvalidOperationException(Refuse($"state '{name}' held {valueType} and now holds {now}."));
        }
    }

    private static List<ISnapshotTable<TKey>> SnapshotTables<TKey>(KeyedStateStore<TKey> store)
        where TKey : notnull =>
        store.Tables.Select(t => t as ISnapshotTable<TKey> ?? throw new InvalidOperationException($"State '{t.Name}' cannot be snapshotted.")).ToList();

    /// <summary>A timer read from a snapshot, registered once every group is read, in (time, snapshot, order) order.</summary>
    private readonly record struct PendingTimer(TimeDomain Domain, long Time, int File, int Order, int Key, Window Namespace, bool Once) : IComparable<PendingTimer>
    {
        public int CompareTo(PendingTimer other)
        {
            int c = Domain.CompareTo(other.Domain);
            if (c == 0) c = Time.CompareTo(other.Time);
            if (c == 0) c = File.CompareTo(other.File);
            return c != 0 ? c : Order.CompareTo(other.Order);
        }
    }
}

/// <summary>The header of a keyed state snapshot.</summary>
internal sealed record SnapshotHeader(
    string OperatorId,
    int Worker,
    int Parallelism,
    int MaxParallelism,
    long Watermark,
    string KeyType,
    IReadOnlyList<(string Name, string ValueType)> Tables,
    IReadOnlyList<(int Group, int Offset, int Length)> Groups,
    int DataStart);
