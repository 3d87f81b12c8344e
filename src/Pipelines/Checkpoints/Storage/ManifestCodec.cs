using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// A manifest's bytes: a first line <c>PLCM 1 &lt;sha-256 of the rest&gt;</c>, then the JSON. A manifest with a
/// flipped byte or cut short fails the checksum and is not trusted.
/// </summary>
internal static class ManifestCodec
{
    private const string Magic = "PLCM";

    public static byte[] Encode(CheckpointManifest manifest)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(manifest, CheckpointJsonContext.Default.CheckpointManifest);
        byte[] header = Encoding.ASCII.GetBytes($"{Magic} {CheckpointManifest.CurrentFormat} {Convert.ToHexStringLower(SHA256.HashData(body))}\n");
        return [.. header, .. body];
    }

    /// <summary>The manifest, or the reason it cannot be trusted.</summary>
    public static CheckpointManifest Decode(ReadOnlySpan<byte> bytes)
    {
        int newline = bytes.IndexOf((byte)'\n');
        if (newline < 0) throw new InvalidDataException("the manifest has no header line");
        string[] header = Encoding.ASCII.GetString(bytes[..newline]).Split(' ');
        if (header.Length != 3 || header[0] != Magic) throw new InvalidDataException("the manifest's header is not 'PLCM <format> <checksum>'");
        if (header[1] != CheckpointManifest.CurrentFormat.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"the manifest has format {header[1]}; this version of Pipelines reads format {CheckpointManifest.CurrentFormat}");
        }

        var body = bytes[(newline + 1)..];
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(body)), header[2], StringComparison.Ordinal)) throw new InvalidDataException("the manifest's checksum does not match its content");
        try
        {
            return JsonSerializer.Deserialize(body, CheckpointJsonContext.Default.CheckpointManifest) ?? throw new InvalidDataException("the manifest is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the manifest is not valid JSON: {ex.Message}", ex);
        }
    }
}
