using Pipelines.State.Snapshots;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>A user's (or the JSON) <see cref="StateSerializer{T}"/> as a snapshot codec; always written behind a length.</summary>
internal sealed class SerializerCodec<T>(StateSerializer<T> serializer) : StateCodec<T>
{
    public StateSerializer<T> Serializer => serializer;

    public override void Write(SnapshotOutput output, T value) => serializer.Serialize(value, output);

    public override T Read(SnapshotInput input) => serializer.Deserialize(input.ReadBytes(input.Remaining));
}
