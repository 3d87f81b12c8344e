using Pipelines.Checkpoints.Storage;

namespace Pipelines;

/// <summary>
/// Where checkpoints are kept: the operator state snapshots, source positions and watermarks of a streaming run,
/// so a restarted run resumes from the last completed checkpoint. <see cref="Directory"/> keeps them in a local
/// folder; derive from this class for another store (blob storage, a database).
/// </summary>
/// <remarks>
/// A checkpoint is a set of named parts (written first, never visible on their own) and a manifest published last
/// in one atomic step: a checkpoint without its manifest does not exist. The executor names the parts, checks
/// them against the lengths and checksums the manifest records when it restores (a damaged or half-written newest
/// checkpoint is skipped for the previous complete one, with a warning), and deletes checkpoints older than the
/// <see cref="RetainedCheckpoints"/> newest completed ones; savepoints (<see cref="PipelineRun.StopWithSavepointAsync"/>)
/// are never deleted. An implementation only stores and returns bytes.
/// </remarks>
public abstract class CheckpointStorage
{
    /// <summary>Creates a storage that keeps the <paramref name="retainedCheckpoints"/> newest completed checkpoints.</summary>
    /// <param name="retainedCheckpoints">Completed checkpoints kept (at least 1); older ones are deleted once a newer one completes.</param>
    protected CheckpointStorage(int retainedCheckpoints = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retainedCheckpoints, 1);
        RetainedCheckpoints = retainedCheckpoints;
    }

    /// <summary>How many completed checkpoints are kept.</summary>
    public int RetainedCheckpoints { get; }

    /// <summary>
    /// Checkpoints in a local directory: one folder per checkpoint (<c>chk-00000000000000000042</c>) holding its parts,
    /// and a <c>_manifest</c> file written under a temporary name, flushed to disk and renamed into place. Parts and
    /// manifest are flushed to disk, and so are the directories that name them (before and after the rename, on
    /// Linux and macOS), so a checkpoint reported complete survives a crash of the machine. Give each pipeline its
    /// own directory.
    /// </summary>
    /// <param name="path">The directory; created when missing.</param>
    /// <param name="retainedCheckpoints">Completed checkpoints kept (default 3).</param>
    public static CheckpointStorage Directory(string path, int retainedCheckpoints = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new DirectoryCheckpointStorage(Path.GetFullPath(path), retainedCheckpoints);
    }

    /// <summary>
    /// Where checkpoint <paramref name="checkpointId"/> is, as <see cref="Savepoint.Location"/> reports it and
    /// <see cref="StreamingOptions.RestoreFrom"/> takes it: the folder of a <see cref="Directory"/> storage. The
    /// default describes the storage and the id.
    /// </summary>
    /// <param name="checkpointId">The checkpoint.</param>
    public virtual string LocationOf(long checkpointId) => $"{this} checkpoint {checkpointId}";

    /// <summary>A description for logs and errors (the directory, the container).</summary>
    public abstract override string ToString();

    /// <summary>
    /// Stores part <paramref name="name"/> of checkpoint <paramref name="checkpointId"/> durably, replacing a part of
    /// that name left by an earlier attempt. Parts of one checkpoint may be written concurrently.
    /// </summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="name">The part's name: letters, digits, '.', '-' and '_'.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    protected internal abstract ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The bytes of a part, or null when it does not exist.</summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="name">The part's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    protected internal abstract ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the manifest of checkpoint <paramref name="checkpointId"/> atomically, after its parts: readers see
    /// the whole manifest or none.
    /// </summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="manifest">The manifest's bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    protected internal abstract ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken);

    /// <summary>The manifest of a checkpoint, or null when it has none (never completed, or being deleted).</summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    protected internal abstract ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken);

    /// <summary>The ids of every checkpoint stored, complete or not, in any order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    protected internal abstract ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A storage nested in this one under <paramref name="name"/> (a relative path of names separated by '/'), with
    /// the same retention: where the keyed state split by an exchange's partitions is kept (one child per operator
    /// and partition, whose checkpoint ids are the partition's offsets), and each run's own checkpoints when the
    /// instances of a pipeline share the storage. Null when this storage cannot nest (the default): such a run then
    /// fails at start.
    /// </summary>
    /// <param name="name">The child's name.</param>
    protected internal virtual CheckpointStorage? Child(string name) => null;

    /// <summary>Deletes a checkpoint: its manifest first, then its parts.</summary>
    /// <param name="checkpointId">The checkpoint.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    protected internal abstract ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken);
}
