using System.Collections.Concurrent;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>Checkpoint storage in memory whose manifest write fails for one checkpoint: a failed checkpoint, at will.</summary>
internal sealed class FailingCheckpointStorage(long failAt) : CheckpointStorage
{
    private readonly ConcurrentDictionary<(long, string), byte[]> _parts = new();
    private readonly ConcurrentDictionary<long, byte[]> _manifests = new();

    public override string ToString() => "memory (fails at checkpoint " + failAt + ")";

    protected override ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        _parts[(checkpointId, name)] = content.ToArray();
        return default;
    }

    protected override ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken) =>
        new(_parts.TryGetValue((checkpointId, name), out var part) ? part : null);

    protected override ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken)
    {
        if (checkpointId == failAt) throw new IOException($"The checkpoint store is unavailable (checkpoint {checkpointId}).");
        _manifests[checkpointId] = manifest.ToArray();
        return default;
    }

    protected override ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken) =>
        new(_manifests.TryGetValue(checkpointId, out var manifest) ? manifest : null);

    protected override ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
        new([.. _manifests.Keys.Order()]);

    protected override ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
    {
        _manifests.TryRemove(checkpointId, out _);
        return default;
    }
}
