namespace Pipelines.State.Snapshots;

/// <summary>
/// The key groups of a snapshot being written: one output per group that holds keys, and for each key id its group
/// and its index among that group's keys (state entries and timers refer to keys by that index).
/// </summary>
internal sealed class KeyGroupWriter
{
    private readonly int[] _groupOf;
    private readonly int[] _localIndex;
    private readonly SnapshotOutput?[] _outputs;
    private readonly int[] _counts;
    private readonly int[] _countAt;

    public KeyGroupWriter(int maxParallelism, int keyCapacity)
    {
        _groupOf = new int[keyCapacity];
        _groupOf.AsSpan().Fill(-1);
        _localIndex = new int[keyCapacity];
        _outputs = new SnapshotOutput?[maxParallelism];
        _counts = new int[maxParallelism];
        _countAt = new int[maxParallelism];
    }

    /// <summary>
    /// Adds key <paramref name="keyId"/> to <paramref name="group"/> and returns the group's output to write the key
    /// to. A group's block starts with its keys: the first key opens the block and its key section, which
    /// <see cref="EndSection"/> closes after the last key.
    /// </summary>
    public SnapshotOutput AddKey(int keyId, int group)
    {
        var output = _outputs[group];
        if (output is null)
        {
            output = _outputs[group] = new SnapshotOutput();
            _countAt[group] = output.ReserveInt32();
            _counts[group] = 0;
        }

        _groupOf[keyId] = group;
        _localIndex[keyId] = _counts[group]++;
        return output;
    }

    /// <summary>The output of the group of key <paramref name="keyId"/>, counting one more item of the current section.</summary>
    public SnapshotOutput Item(int keyId)
    {
        int group = _groupOf[keyId];
        if (group < 0) throw new InvalidOperationException($"Key id {keyId} is referenced by state or a timer but is not among the worker's keys.");
        _counts[group]++;
        return _outputs[group]!;
    }

    /// <summary>The index of key <paramref name="keyId"/> within its group.</summary>
    public int LocalIndex(int keyId) => _localIndex[keyId];

    /// <summary>Starts a section (a table, a timer domain) in every group: a count, patched by <see cref="EndSection"/>.</summary>
    public void BeginSection()
    {
        for (int g = 0; g < _outputs.Length; g++)
        {
            if (_outputs[g] is not { } output) continue;
            _countAt[g] = output.ReserveInt32();
            _counts[g] = 0;
        }
    }

    /// <summary>Writes each group's count of the section begun last.</summary>
    public void EndSection()
    {
        for (int g = 0; g < _outputs.Length; g++)
        {
            if (_outputs[g] is { } output) output.PatchInt32(_countAt[g], _counts[g]);
        }
    }

    /// <summary>The groups written, in order, with their bytes.</summary>
    public IEnumerable<(int Group, SnapshotOutput Output)> Groups()
    {
        for (int g = 0; g < _outputs.Length; g++)
        {
            if (_outputs[g] is { } output) yield return (g, output);
        }
    }
}
