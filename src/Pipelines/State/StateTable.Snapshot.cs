using Pipelines.Runtime;
using Pipelines.State.Snapshots;

namespace Pipelines.State;

/// <summary>Writing a table's entries into a snapshot, key group by key group, and reading them back.</summary>
internal sealed partial class StateTable<TKey, TValue> : ISnapshotTable<TKey>
{
    /// <inheritdoc />
    public Type ValueType => typeof(TValue);

    /// <inheritdoc />
    public void WriteEntries(KeyGroupWriter groups, object codec)
    {
        var values = Codec(codec);
        for (int i = 0; i < _entryCount; i++)
        {
            ref var entry = ref _entries[i];
            if (!entry.InUse) continue;
            var output = groups.Item(entry.Key);
            output.WriteInt32(groups.LocalIndex(entry.Key));
            output.WriteInt64(entry.Start);
            output.WriteInt64(entry.End);
            output.WriteValue(values, _values[i]);
        }
    }

    /// <inheritdoc />
    public void ReadEntry(int key, Window ns, SnapshotInput input, object codec)
    {
        int e = GetOrAdd(key, ns, out bool added);
        if (!added) throw new SnapshotFormatException($"State '{Name}' holds ({_keys[key]}, {ns}) twice.");
        _values[e] = input.ReadValue(Codec(codec));
    }

    private StateCodec<TValue> Codec(object codec) => codec as StateCodec<TValue>
        ?? throw new InvalidOperationException($"State '{Name}' holds {TypeNames.Of(typeof(TValue))}, but its codec is a {codec.GetType().Name}.");
}
