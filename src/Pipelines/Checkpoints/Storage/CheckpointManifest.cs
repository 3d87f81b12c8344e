using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// What a completed checkpoint holds (format version <see cref="CurrentFormat"/>): per stateful operator, by its
/// stable id, the parallelism it ran with and a part per worker; per source its position; per sink what it
/// pre-committed. Every part is listed with its length and SHA-256, so a damaged or truncated part is found before
/// anything is restored from it.
/// </summary>
internal sealed record CheckpointManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required long CheckpointId { get; init; }

    public required string Pipeline { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>A savepoint (taken to stop the run for an upgrade): never deleted by retention.</summary>
    public bool Savepoint { get; init; }

    /// <summary>The number of key groups keyed state is split into; fixed for the life of the state.</summary>
    public int MaxParallelism { get; init; }

    public List<OperatorCheckpoint> Operators { get; init; } = [];

    public List<SourceCheckpoint> Sources { get; init; } = [];

    public List<SinkCheckpoint> Sinks { get; init; } = [];

    /// <summary>Every part the checkpoint consists of.</summary>
    public IEnumerable<CheckpointPart> Parts => Operators.SelectMany(o => o.Parts).Concat(Sinks.SelectMany(s => s.Parts));
}

/// <summary>
/// A stateful operator's snapshots: one part per worker of the run that wrote them, with the operator's kind
/// (<c>Window</c>, <c>Join</c>, …) and name when it was written, so a restore into another kind of operator is refused.
/// </summary>
internal sealed record OperatorCheckpoint(string Id, int Parallelism, List<CheckpointPart> Parts, string? Kind = null, string? Name = null);

/// <summary>A stateful operator of the running plan, as checkpoints list it.</summary>
internal sealed record StatefulOperator(string Id, int Parallelism, string Kind, string Name);

/// <summary>
/// A source's position (its JSON) and the watermark it had emitted. <paramref name="NotOpened"/>: the source's
/// reader had not opened when the checkpoint was taken (a drain came while it was still connecting) and its run
/// resumed it from no position, so it read nothing: a restore opens it as a new run would. (A source that had not
/// opened in a run resumed at a position keeps that position.)
/// </summary>
internal sealed record SourceCheckpoint(string Id, JsonElement? Position, long Watermark, bool NotOpened = false);

/// <summary>What a sink pre-committed at the barrier (its JSON), to commit on restore, and any parts it wrote.</summary>
internal sealed record SinkCheckpoint(string Id, JsonElement? PreCommitted, List<CheckpointPart> Parts);

/// <summary>A part of a checkpoint with its length and SHA-256 (lowercase hex).</summary>
internal sealed record CheckpointPart(string Name, long Length, string Sha256);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
