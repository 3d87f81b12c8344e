namespace Pipelines.State.Snapshots;

/// <summary>
/// Writes and reads one type of state in a snapshot. Codecs compose: a list of elements, a window's slot around
/// its accumulator, a user's <see cref="StateSerializer{T}"/>. A value written with
/// <see cref="SnapshotOutput.WriteValue{T}"/> carries its length, so a codec reads only its own bytes.
/// </summary>
internal abstract class StateCodec<T>
{
    /// <summary>Writes <paramref name="value"/>.</summary>
    public abstract void Write(SnapshotOutput output, T value);

    /// <summary>Reads a value written by <see cref="Write"/>.</summary>
    public abstract T Read(SnapshotInput input);
}
