using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// The checkpoint format on top of a <see cref="CheckpointStorage"/>: parts written with their checksums, a
/// manifest published last, the newest trustworthy checkpoint found on restore (anything damaged, truncated,
/// half-written or of another pipeline is skipped with a warning), and old checkpoints deleted once a newer one
/// completes.
/// </summary>
internal sealed class CheckpointStore(CheckpointStorage storage, string pipeline, ILogger logger)
{
    public CheckpointStorage Storage => storage;

    /// <summary>Writes a part and returns how the manifest lists it.</summary>
    public async ValueTask<CheckpointPart> WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var part = new CheckpointPart(name, content.Length, Convert.ToHexStringLower(SHA256.HashData(content.Span)));
        await storage.WritePartAsync(checkpointId, name, content, cancellationToken).ConfigureAwait(false);
        return part;
    }

    /// <summary>
    /// Publishes the manifest (the checkpoint is complete from then on) and deletes what is no longer kept. Returns
    /// the manifest's size in bytes. Once the manifest is published this does not throw: the caller must commit the
    /// checkpoint, so a deletion cut short by <paramref name="cancellationToken"/> or failing is left for the next one.
    /// </summary>
    public async ValueTask<int> CompleteAsync(CheckpointManifest manifest, CancellationToken cancellationToken)
    {
        byte[] bytes = ManifestCodec.Encode(manifest);
        await storage.PublishManifestAsync(manifest.CheckpointId, bytes, cancellationToken).ConfigureAwait(false);
        try
        {
            await PruneAsync(manifest.CheckpointId, manifest.Savepoint, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is stopping; the next completed checkpoint deletes what is no longer kept.
        }
        catch (Exception ex)
        {
            CheckpointLog.PruneListingFailed(logger, ex, pipeline, manifest.CheckpointId, storage.ToString());
        }

        return bytes.Length;
    }

    /// <summary>
    /// Deletes every checkpoint older than the <see cref="CheckpointStorage.RetainedCheckpoints"/> newest completed
    /// ones, and incomplete ones older than <paramref name="completed"/> (they will never complete). Savepoints are
    /// neither counted nor deleted: they stay until the user deletes them. A failed deletion is logged and tried
    /// again after the next checkpoint.
    /// </summary>
    private async ValueTask PruneAsync(long completed, bool completedIsSavepoint, CancellationToken cancellationToken)
    {
        var ids = (await storage.ListCheckpointsAsync(cancellationToken).ConfigureAwait(false)).Where(id => id <= completed).OrderDescending().ToList();
        int kept = 0;
        foreach (long id in ids)
        {
            byte[]? manifest = id == completed ? null : await storage.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
            bool complete = id == completed || manifest is not null;
            if ((id == completed && completedIsSavepoint) || (manifest is not null && IsSavepoint(manifest))) continue;
            if (complete && kept < storage.RetainedCheckpoints)
            {
                kept++;
                continue;
            }

            try
            {
                await storage.DeleteCheckpointAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                CheckpointLog.PruneFailed(logger, ex, pipeline, id, storage.ToString());
            }
        }
    }

    /// <summary>True for the manifest of a savepoint; a manifest that cannot be read is not one (it is pruned like any other).</summary>
    private static bool IsSavepoint(byte[] manifest)
    {
        try
        {
            return ManifestCodec.Decode(manifest).Savepoint;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/>, verified like the newest one is, without the check that it belongs
    /// to this pipeline (a savepoint may seed a renamed or changed pipeline).
    /// </summary>
    /// <exception cref="InvalidOperationException">It is missing, incomplete or damaged.</exception>
    public async ValueTask<LoadedCheckpoint> LoadAsync(long checkpointId, CancellationToken cancellationToken)
    {
        byte[]? bytes = await storage.ReadManifestAsync(checkpointId, cancellationToken).ConfigureAwait(false);
        var (loaded, problem) = bytes is null
            ? (null, "it has no manifest (it does not exist, or was never completed)")
            : await VerifyAsync(checkpointId, bytes, checkPipeline: false, cancellationToken).ConfigureAwait(false);
        if (loaded is null) throw new InvalidOperationException($"Checkpoint {checkpointId} in {storage} cannot be restored: {problem}.");
        CheckpointLog.Restoring(logger, pipeline, checkpointId, storage.ToString());
        return loaded;
    }

    /// <summary>
    /// The newest completed checkpoint whose manifest and parts check out, with its parts, or null when there is
    /// none; each newer one that does not check out is logged as skipped, with the reason.
    /// </summary>
    public async ValueTask<LoadedCheckpoint?> LoadLatestAsync(CancellationToken cancellationToken)
    {
        var ids = (await storage.ListCheckpointsAsync(cancellationToken).ConfigureAwait(false)).OrderDescending().ToList();
        foreach (long id in ids)
        {
            string? problem;
            LoadedCheckpoint? loaded = null;
            byte[]? bytes = await storage.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                problem = "it has no manifest (it was still being written)";
            }
            else
            {
                (loaded, problem) = await VerifyAsync(id, bytes, checkPipeline: true, cancellationToken).ConfigureAwait(false);
            }

            if (loaded is not null)
            {
                CheckpointLog.Restoring(logger, pipeline, id, storage.ToString());
                return loaded;
            }

            CheckpointLog.CheckpointSkipped(logger, pipeline, id, storage.ToString(), problem!);
        }

        return null;
    }

    /// <summary>The highest checkpoint id stored, complete or not (new checkpoints are numbered after it), or 0.</summary>
    public async ValueTask<long> LatestIdAsync(CancellationToken cancellationToken)
    {
        var ids = await storage.ListCheckpointsAsync(cancellationToken).ConfigureAwait(false);
        return ids.Count == 0 ? 0 : ids.Max();
    }

    private async ValueTask<(LoadedCheckpoint?, string?)> VerifyAsync(long id, byte[] bytes, bool checkPipeline, CancellationToken cancellationToken)
    {
        CheckpointManifest manifest;
        try
        {
            manifest = ManifestCodec.Decode(bytes);
        }
        catch (InvalidDataException ex)
        {
            return (null, ex.Message);
        }

        if (manifest.CheckpointId != id) return (null, $"its manifest names checkpoint {manifest.CheckpointId}");
        if (checkPipeline && manifest.Pipeline != pipeline) return (null, $"it belongs to pipeline '{manifest.Pipeline}'");
        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var part in manifest.Parts)
        {
            byte[]? content = await storage.ReadPartAsync(id, part.Name, cancellationToken).ConfigureAwait(false);
            if (content is null) return (null, $"part '{part.Name}' is missing");
            if (content.Length != part.Length) return (null, $"part '{part.Name}' has {content.Length} bytes instead of {part.Length} (truncated or overwritten)");
            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(content)), part.Sha256, StringComparison.Ordinal)) return (null, $"part '{part.Name}' does not match its checksum (damaged)");
            parts[part.Name] = content;
        }

        return (new LoadedCheckpoint(manifest, parts), null);
    }
}

/// <summary>A completed checkpoint read back and verified: its manifest and the bytes of every part.</summary>
internal sealed record LoadedCheckpoint(CheckpointManifest Manifest, IReadOnlyDictionary<string, byte[]> Parts);
