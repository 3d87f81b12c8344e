using System.Security.Cryptography;
using System.Text.Json;

namespace Pipelines.Files.Reading;

/// <summary>Where a file source stopped, per file; saved as a small JSON file, replaced atomically.</summary>
/// <param name="Version">The format version.</param>
/// <param name="Files">One entry per file.</param>
internal sealed record Checkpoint(int Version, List<FileOffset> Files)
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The saved checkpoint, or an empty one when there is none yet.</summary>
    public static async ValueTask<Checkpoint> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return new Checkpoint(CurrentVersion, []);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        Checkpoint? checkpoint;
        try
        {
            checkpoint = await JsonSerializer.DeserializeAsync<Checkpoint>(stream, Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The checkpoint file '{path}' is not valid: {ex.Message} Delete it to read every file from the start.", ex);
        }

        if (checkpoint is not { Version: CurrentVersion, Files: not null })
        {
            throw new InvalidDataException($"The checkpoint file '{path}' has an unknown format. Delete it to read every file from the start.");
        }

        return checkpoint;
    }

    /// <summary>
    /// Writes a temporary file next to <paramref name="path"/>, flushes it to disk, then renames it over
    /// <paramref name="path"/>. The temporary file's name starts with '.', which no pattern of a source matches unless
    /// it starts with one too: a checkpoint kept among the files it reads is never read as one of them, even half
    /// written.
    /// </summary>
    public async ValueTask SaveAsync(string path, CancellationToken cancellationToken)
    {
        string temporary = TemporaryPath(path);
        string? directory = Path.GetDirectoryName(temporary);
        if (directory is not null) Directory.CreateDirectory(directory);
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Where <see cref="SaveAsync"/> writes before it renames: beside <paramref name="path"/>, hidden.</summary>
    internal static string TemporaryPath(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full) ?? "", "." + Path.GetFileName(full) + ".tmp");
    }

    /// <summary>The identity of a file: the SHA-256 of its first bytes, in hex.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> prefix) => Convert.ToHexString(SHA256.HashData(prefix));
}
