namespace Pipelines.State.Snapshots;

/// <summary>A value that may be null (a table row, a row of a deleted version): a presence byte, then the value behind its length.</summary>
internal sealed class OptionalCodec<T>(StateCodec<T> value) : StateCodec<T?>
{
    public override void Write(SnapshotOutput output, T? item)
    {
        if (item is null)
        {
            output.WriteByte(0);
            return;
        }

        output.WriteByte(1);
        output.WriteValue(value, item);
    }

    public override T? Read(SnapshotInput input) => input.ReadByte() != 0 ? input.ReadValue(value) : default;
}
