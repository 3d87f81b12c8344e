using Pipelines.Operators;
using Pipelines.State.Snapshots;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>A session's slot: its pane state (with the window slot's codec), its current window and the time of its live timer.</summary>
internal sealed class SessionSlotCodec<TAcc>(WindowSlotCodec<TAcc> pane) : StateCodec<SessionSlot<TAcc>>
{
    public override void Write(SnapshotOutput output, SessionSlot<TAcc> value)
    {
        pane.Write(output, value.Pane);
        output.WriteInt64(value.Start);
        output.WriteInt64(value.End);
        output.WriteInt64(value.TimerAt);
    }

    public override SessionSlot<TAcc> Read(SnapshotInput input) =>
        new() { Pane = pane.Read(input), Start = input.ReadInt64(), End = input.ReadInt64(), TimerAt = input.ReadInt64() };
}
