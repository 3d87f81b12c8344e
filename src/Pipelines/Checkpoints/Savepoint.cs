namespace Pipelines;

/// <summary>A savepoint a run stopped with (<see cref="PipelineRun.StopWithSavepointAsync"/>).</summary>
/// <param name="CheckpointId">Its checkpoint id in the <see cref="StreamingOptions.CheckpointStorage"/>.</param>
/// <param name="Location">Where it is (the folder of a <see cref="CheckpointStorage.Directory"/> storage): what <see cref="StreamingOptions.RestoreFrom"/> takes.</param>
/// <param name="Summary">What the run did.</param>
public sealed record Savepoint(long CheckpointId, string Location, RunSummary Summary);
