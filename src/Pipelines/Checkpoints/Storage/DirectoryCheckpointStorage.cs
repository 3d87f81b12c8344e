using System.Globalization;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// Checkpoints as folders of files under one directory. Parts are written and flushed to disk; the manifest is
/// written under a temporary name and flushed, the checkpoint's folder and the root are flushed (so the parts'
/// names and the folder itself are durable), the manifest is renamed into place, and the folder is flushed again
/// (so is the rename): once <see cref="PublishManifestAsync"/> returns, a crash of the machine cannot lose the checkpoint.
/// </summary>
/// <param name="root">The directory.</param>
/// <param name="retainedCheckpoints">Completed checkpoints kept.</param>
/// <param name="flushDirectory">Flushes a directory's entries to disk (<see cref="DirectorySync.Flush"/>; tests record the calls).</param>
internal sealed class DirectoryCheckpointStorage(string root, int retainedCheckpoints, Action<string>? flushDirectory = null) : CheckpointStorage(retainedCheckpoints)
{
    private readonly Action<string> _flushDirectory = flushDirectory ?? DirectorySync.Flush;
    private bool _rootFlushed;

    internal const string ManifestName = "_manifest";
    private const string Prefix = "chk-";

    public string Root { get; } = root;

    public override string ToString() => $"directory {Root}";

    public override string LocationOf(long checkpointId) => FolderOf(checkpointId);

    /// <summary>The storage and checkpoint id of a checkpoint folder (<see cref="LocationOf"/>), or null when the path does not name one.</summary>
    internal static (DirectoryCheckpointStorage Storage, long CheckpointId)? Parse(string location)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(location));
        string name = Path.GetFileName(full);
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)
            || !long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            || Path.GetDirectoryName(full) is not { } root)
        {
            return null;
        }

        return (new DirectoryCheckpointStorage(root, 1), id);
    }

    protected internal override CheckpointStorage? Child(string name)
    {
        foreach (string segment in name.Split('/')) PartNames.Validate(segment);
        return new DirectoryCheckpointStorage(Path.Combine([Root, .. name.Split('/')]), RetainedCheckpoints);
    }

    /// <summary>The folder of checkpoint <paramref name="checkpointId"/>.</summary>
    internal string FolderOf(long checkpointId) => Path.Combine(Root, Prefix + checkpointId.ToString("D20", CultureInfo.InvariantCulture));

    protected internal override async ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        PartNames.Validate(name);
        string folder = FolderOf(checkpointId);
        System.IO.Directory.CreateDirectory(folder);
        await WriteDurablyAsync(Path.Combine(folder, name), content, cancellationToken).ConfigureAwait(false);
    }

    protected internal override async ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken)
    {
        PartNames.Validate(name);
        return await ReadIfExistsAsync(Path.Combine(FolderOf(checkpointId), name), cancellationToken).ConfigureAwait(false);
    }

    protected internal override async ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken)
    {
        string folder = FolderOf(checkpointId);
        System.IO.Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, ManifestName + ".tmp");
        await WriteDurablyAsync(temporary, manifest, cancellationToken).ConfigureAwait(false);
        _flushDirectory(folder);
        _flushDirectory(Root);
        if (!_rootFlushed && Path.GetDirectoryName(Root) is { } parent)
        {
            // The root may have been created by this run: its own entry must be durable too (once).
            _flushDirectory(parent);
            _rootFlushed = true;
        }

        File.Move(temporary, Path.Combine(folder, ManifestName), overwrite: true);
        _flushDirectory(folder);
    }

    protected internal override ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken) =>
        ReadIfExistsAsync(Path.Combine(FolderOf(checkpointId), ManifestName), cancellationToken);

    protected internal override ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        if (System.IO.Directory.Exists(Root))
        {
            foreach (string folder in System.IO.Directory.EnumerateDirectories(Root, Prefix + "*"))
            {
                string name = Path.GetFileName(folder);
                if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long id)) ids.Add(id);
            }
        }

        return new ValueTask<IReadOnlyList<long>>(ids);
    }

    protected internal override ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        string folder = FolderOf(checkpointId);
        string manifest = Path.Combine(folder, ManifestName);
        if (File.Exists(manifest)) File.Delete(manifest);
        if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        return default;
    }

    private static async ValueTask WriteDurablyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
    }

    private static async ValueTask<byte[]?> ReadIfExistsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
