namespace Pipelines.Runtime;

/// <summary>
/// An edge into a stage on the producer's own thread whose operator may take elements one at a time
/// (<see cref="IStageElementInput{T}"/>): what an <see cref="Output{T}"/> with that edge as its only target pushes
/// through (the bounded executor's direct edges).
/// </summary>
internal interface IPushEdge<T>
{
    /// <summary>The operator, when it takes elements one at a time; null otherwise.</summary>
    IStageElementInput<T>? Elements { get; }

    /// <summary><paramref name="count"/> elements were pushed to <see cref="Elements"/> since the last call: they are counted and their batch ends.</summary>
    void EndPushes(int count);
}
