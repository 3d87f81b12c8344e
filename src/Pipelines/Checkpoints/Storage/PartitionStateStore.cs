using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// The state of keyed stages split by an exchange's partitions (<see cref="IPartitionedStateSource"/>), kept in the
/// checkpoint storage the instances of a pipeline share: one snapshot per (operator, partition, offset), where the
/// offset is the one the exchange's source commits with the checkpoint that wrote it. Each partition is a child
/// storage (<c>partitions/&lt;operator&gt;/p&lt;partition&gt;</c>) whose checkpoint ids are offsets; a snapshot is a
/// part named after the run and checkpoint that wrote it, published by its manifest (its name, length and SHA-256),
/// so rewriting the snapshot of one offset by a later checkpoint replaces it atomically. A snapshot is published
/// before its offset is committed. Of each partition the newest few offsets are kept, and every offset from the last
/// one the exchange's source reported committed on (<see cref="Committed"/>): that is where the partition's next owner
/// resumes, and commits can be refused for many checkpoints in a row while the group rebalances. Without a report, the
/// newest <see cref="UnconfirmedLimit"/> offsets are kept.
/// </summary>
internal sealed class PartitionStateStore
{
    private readonly CheckpointStorage _root;
    private readonly string _writer = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly Dictionary<(string, int), CheckpointStorage> _partitions = [];
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(object Source, int Partition), long> _committed = new();

    /// <summary>How many offsets of a partition are kept while its source has reported no commit.</summary>
    public const int UnconfirmedLimit = 64;

    public PartitionStateStore(CheckpointStorage root, ILogger logger)
    {
        _root = root;
        Logger = logger;
    }

    public ILogger Logger { get; }

    /// <summary>How many offsets of each partition are kept (the storage's retained checkpoints, at least 2).</summary>
    public int Retained => Math.Max(2, _root.RetainedCheckpoints);

    public override string ToString() => _root.ToString();

    private CheckpointStorage Partition(string operatorId, int partition)
    {
        lock (_lock)
        {
            if (!_partitions.TryGetValue((operatorId, partition), out var storage))
            {
                string name = $"partitions/{PartNames.Sanitize(operatorId)}/p{partition.ToString("D5", CultureInfo.InvariantCulture)}";
                storage = _root.Child(name) ?? throw new InvalidOperationException(
                    $"{_root} cannot keep state per partition (it does not override CheckpointStorage.Child): use CheckpointStorage.Directory on a directory every instance shares.");
                _partitions[(operatorId, partition)] = storage;
            }

            return storage;
        }
    }

    /// <summary>The exchange <paramref name="source"/> committed <paramref name="partition"/> at <paramref name="offset"/> (confirmed): older offsets are needed no more.</summary>
    public void Committed(object source, int partition, long offset) =>
        _committed.AddOrUpdate((source, partition), offset, (_, known) => Math.Max(known, offset));

    /// <summary>
    /// Stores the snapshot of <paramref name="partition"/> (of <paramref name="source"/>) for <paramref name="offset"/>,
    /// replacing one stored for that offset before, and drops offsets nobody can resume from any more.
    /// </summary>
    public async Task WriteAsync(string operatorId, object source, int partition, long offset, long checkpoint, byte[] snapshot, CancellationToken cancellationToken)
    {
        var storage = Partition(operatorId, partition);
        string part = $"state-{_writer}-{checkpoint.ToString(CultureInfo.InvariantCulture)}";
        await storage.WritePartAsync(offset, part, snapshot, cancellationToken).ConfigureAwait(false);
        string manifest = $"{part}\n{snapshot.Length.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToHexStringLower(SHA256.HashData(snapshot))}\n";
        await storage.PublishManifestAsync(offset, Encoding.UTF8.GetBytes(manifest), cancellationToken).ConfigureAwait(false);
        try
        {
            var offsets = (await storage.ListCheckpointsAsync(cancellationToken).ConfigureAwait(false)).OrderDescending().ToList();
            var droppable = _committed.TryGetValue((source, partition), out long committed)
                ? offsets.Skip(Retained).Where(o => o < offset && o < committed)
                : offsets.Skip(UnconfirmedLimit).Where(o => o < offset);
            foreach (long old in droppable.ToList()) await storage.DeleteCheckpointAsync(old, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CheckpointLog.PruneFailed(Logger, ex, operatorId, offset, storage.ToString());
        }
    }

    /// <summary>
    /// The snapshot of <paramref name="partition"/> stored for <paramref name="offset"/>, or null when there is none.
    /// A snapshot that does not match its manifest is an error.
    /// </summary>
    public async Task<byte[]?> ReadAsync(string operatorId, int partition, long offset, CancellationToken cancellationToken)
    {
        var storage = Partition(operatorId, partition);
        byte[]? manifest = await storage.ReadManifestAsync(offset, cancellationToken).ConfigureAwait(false);
        if (manifest is null) return null;
        string[] lines = Encoding.UTF8.GetString(manifest).Split('\n');
        string Where() => $"The state of operator '{operatorId}' for partition {partition} at offset {offset} in {storage}";
        if (lines.Length < 3 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            throw new InvalidDataException($"{Where()} has a damaged manifest.");
        }

        byte[] content = await storage.ReadPartAsync(offset, lines[0], cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{Where()} is missing its part '{lines[0]}'.");
        if (content.Length != length || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(content)), lines[2], StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{Where()} does not match its manifest (truncated or damaged).");
        }

        return content;
    }
}

/// <summary>A keyed stage whose state is split by the partitions of <see cref="Source"/>, kept in <see cref="Store"/>.</summary>
/// <param name="Source">The exchange's source.</param>
/// <param name="Store">Where the partitions' snapshots are.</param>
internal sealed record PartitionedStateBinding(IPartitionedStateSource Source, PartitionStateStore Store);
