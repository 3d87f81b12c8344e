using Pipelines.Operators;
using Pipelines.State.Snapshots;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>A window's slot: its accumulator (with the accumulator's codec), the next pane index, the elements since the last pane and whether it fired on time.</summary>
internal sealed class WindowSlotCodec<TAcc>(StateCodec<TAcc> accumulator) : StateCodec<WindowSlot<TAcc>>
{
    public override void Write(SnapshotOutput output, WindowSlot<TAcc> value)
    {
        output.WriteValue(accumulator, value.Accumulator);
        output.WriteInt32(value.PaneIndex);
        output.WriteInt32(value.SinceLastPane);
        output.WriteByte(value.FiredOnTime ? (byte)1 : (byte)0);
    }

    public override WindowSlot<TAcc> Read(SnapshotInput input)
    {
        var slot = new WindowSlot<TAcc> { Accumulator = input.ReadValue(accumulator), PaneIndex = input.ReadInt32(), SinceLastPane = input.ReadInt32() };
        slot.FiredOnTime = input.ReadByte() != 0;
        return slot;
    }
}
