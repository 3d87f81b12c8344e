namespace Pipelines.State.Snapshots;

/// <summary>A list (list state, a join's elements of a window): its count, then each element with its length.</summary>
internal sealed class ListCodec<T>(StateCodec<T> element) : StateCodec<List<T>>
{
    public override void Write(SnapshotOutput output, List<T> value)
    {
        output.WriteInt32(value.Count);
        foreach (var item in value) output.WriteValue(element, item);
    }

    public override List<T> Read(SnapshotInput input)
    {
        int count = input.ReadCount(4);
        var list = new List<T>(count);
        for (int i = 0; i < count; i++) list.Add(input.ReadValue(element));
        return list;
    }
}

/// <summary>A map (map state): its count, then each key and value with their lengths, in the map's order.</summary>
internal sealed class DictionaryCodec<TKey, TValue>(StateCodec<TKey> key, StateCodec<TValue> value) : StateCodec<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    public override void Write(SnapshotOutput output, Dictionary<TKey, TValue> map)
    {
        output.WriteInt32(map.Count);
        foreach (var (k, v) in map)
        {
            output.WriteValue(key, k);
            output.WriteValue(value, v);
        }
    }

    public override Dictionary<TKey, TValue> Read(SnapshotInput input)
    {
        int count = input.ReadCount(8);
        var map = new Dictionary<TKey, TValue>(count);
        for (int i = 0; i < count; i++)
        {
            TKey k = input.ReadValue(key);
            map[k] = input.ReadValue(value);
        }

        return map;
    }
}
