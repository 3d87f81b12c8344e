using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>How checkpoints write a temporal join's versions per key (its waiting elements are a list of elements).</summary>
internal sealed partial class TemporalJoin<T, TKey, TRow, TOut>
{
    /// <summary>A key's versions, oldest first (time, deleted, row or none), then the pending cleanup time.</summary>
    private sealed class VersionsCodec(StateCodec<TRow> row) : StateCodec<Versions>
    {
        private readonly OptionalCodec<TRow> _row = new(row);

        public override void Write(SnapshotOutput output, Versions value)
        {
            output.WriteInt32(value.Count);
            foreach (var version in value.List)
            {
                output.WriteInt64(version.Time);
                output.WriteByte(version.Deleted ? (byte)1 : (byte)0);
                _row.Write(output, version.Row);
            }

            output.WriteInt64(value.NextCleanup);
        }

        public override Versions Read(SnapshotInput input)
        {
            var versions = new Versions();
            int count = input.ReadCount(10);
            for (int i = 0; i < count; i++)
            {
                long time = input.ReadInt64();
                bool deleted = input.ReadByte() != 0;
                versions.Put(new Version(time, _row.Read(input), deleted));
            }

            versions.NextCleanup = input.ReadInt64();
            return versions;
        }
    }
}
