namespace Pipelines.Checkpoints;

/// <summary>
/// A stage operator that keeps state checkpoints cannot write yet: a run that stores checkpoints refuses it at start,
/// since a restored run would start that state over and give other results than an uninterrupted one.
/// </summary>
internal interface IStateOutsideCheckpoints
{
    /// <summary>What the operator keeps, for the refusal ("the number of elements it has taken").</summary>
    string StateDescription { get; }
}
