using Pipelines.Operators;
using Pipelines.State.Snapshots;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>
/// A count window's slot: its counts and event-time span, then the accumulator (tumbling windows, with the
/// accumulator's codec) or the key's last elements with their event times (sliding windows, with the element's codec).
/// </summary>
internal sealed class CountSlotCodec<TIn, TAcc>(StateCodec<TAcc>? accumulator, StateCodec<TIn>? element) : StateCodec<CountSlot<TIn, TAcc>>
{
    public override void Write(SnapshotOutput output, CountSlot<TIn, TAcc> value)
    {
        output.WriteInt32(value.Count);
        output.WriteInt32(value.PaneIndex);
        output.WriteInt64(value.Earliest);
        output.WriteInt64(value.Latest);
        if (accumulator is not null) output.WriteValue(accumulator, value.Accumulator);
        if (element is not null)
        {
            var values = value.Values ?? [];
            var stamps = value.Stamps ?? [];
            output.WriteInt32(values.Count);
            for (int i = 0; i < values.Count; i++)
            {
                output.WriteValue(element, values[i]);
                output.WriteInt64(stamps[i]);
            }
        }
    }

    public override CountSlot<TIn, TAcc> Read(SnapshotInput input)
    {
        var slot = new CountSlot<TIn, TAcc> { Count = input.ReadInt32(), PaneIndex = input.ReadInt32(), Earliest = input.ReadInt64(), Latest = input.ReadInt64() };
        if (accumulator is not null) slot.Accumulator = input.ReadValue(accumulator);
        if (element is not null)
        {
            int count = input.ReadCount(12);
            (slot.Values, slot.Stamps) = (new List<TIn>(count), new List<long>(count));
            for (int i = 0; i < count; i++)
            {
                slot.Values.Add(input.ReadValue(element));
                slot.Stamps.Add(input.ReadInt64());
            }
        }

        return slot;
    }
}
