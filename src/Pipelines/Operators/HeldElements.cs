using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Serialization;
using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>
/// Checkpoints of a stage with one worker that holds elements of the stream without keys (<c>Buffer</c>'s list,
/// <c>Sample</c>'s latest element): at a barrier the operator writes what it holds into a snapshot, which the run
/// stores asynchronously, and the barrier passes at once; a restored run reads it back before the first element.
/// </summary>
/// <remarks>
/// Format (version 1), little-endian: <c>"PLHE" u16:version str:operatorId str:elementType</c>, then what the
/// operator writes (its bookkeeping and each element as an i32 length and the bytes its codec wrote).
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class HeldElements<T>
{
    private const ushort Version = 1;

    private static ReadOnlySpan<byte> Magic => "PLHE"u8;

    private StateCodec<T>? _codec;
    private ISnapshotReceiver? _receiver;
    private string _operatorId = "";
    private int _worker;

    /// <summary>Checks that the element type can be written (failing with an error naming the operator and the type) and turns snapshots on.</summary>
    public void Enable(StateSerializerRegistry serializers, string operatorId, int worker, ISnapshotReceiver receiver)
    {
        _codec = serializers.Require<T>(operatorId, "held element");
        (_operatorId, _worker, _receiver) = (operatorId, worker, receiver);
    }

    /// <summary>Writes the snapshot of checkpoint <paramref name="checkpoint"/> (the operator's part through <paramref name="write"/>) and hands it to the run; false when snapshots are off.</summary>
    public bool Snapshot(long checkpoint, Action<SnapshotOutput, StateCodec<T>> write)
    {
        if (_receiver is null) return false;
        var output = new SnapshotOutput(256);
        output.WriteBytes(Magic);
        output.WriteBytes([(byte)Version, (byte)(Version >> 8)]);
        output.WriteString(_operatorId);
        output.WriteString(StableTypeName.Of(typeof(T)));
        write(output, _codec!);
        _receiver.OnSnapshot(checkpoint, _worker, output.ToArray());
        return true;
    }

    /// <summary>Reads every snapshot of a checkpoint (one per worker that wrote one) in order, the operator's part through <paramref name="read"/>.</summary>
    public void Restore(IReadOnlyList<ReadOnlyMemory<byte>> snapshots, Action<SnapshotInput, StateCodec<T>> read)
    {
        var codec = _codec ?? throw new InvalidOperationException("EnableCheckpoints comes before Restore.");
        string Refuse(string why) => $"Operator '{_operatorId}' cannot restore the elements it held from the checkpoint: {why}";
        foreach (var snapshot in snapshots)
        {
            var input = new SnapshotInput(snapshot);
            if (!input.ReadBytes(4).SequenceEqual(Magic)) throw new SnapshotFormatException(Refuse("the snapshot is not one of held elements (its first bytes are not 'PLHE')."));
            var version = input.ReadBytes(2);
            int v = version[0] | (version[1] << 8);
            if (v != Version) throw new SnapshotFormatException(Refuse($"the snapshot has format version {v}; this version of Pipelines reads version {Version}."));
            string id = input.ReadString();
            if (id != _operatorId) throw new InvalidOperationException(Refuse($"the snapshot belongs to operator '{id}'."));
            string written = input.ReadString(), now = StableTypeName.Of(typeof(T));
            if (written != now) throw new InvalidOperationException(Refuse($"its elements were {written} and are now {now}."));
            read(input, codec);
            if (input.Remaining != 0) throw new SnapshotFormatException(Refuse($"the snapshot has {input.Remaining} bytes left over."));
        }
    }
}
