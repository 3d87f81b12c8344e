namespace Pipelines.Runtime;

/// <summary>
/// What a sink needs of a run's checkpoints, bound to that sink: to say that it passed a barrier (everything
/// before it is written and flushed) or that it ended. Handed to the sink's operator when it is created; none
/// when the run takes no checkpoints.
/// </summary>
internal interface IBarrierAcknowledger
{
    /// <summary>The sink has written and flushed everything before barrier <paramref name="checkpoint"/>.</summary>
    void Passed(long checkpoint);

    /// <summary>The sink completed: it holds back no checkpoint any more.</summary>
    void Ended();

    /// <summary>
    /// The final checkpoint of a drained run, known before the sink's input ends (0 when the run takes none): at its
    /// end the sink pre-commits for it, acknowledges it, and completes only once <see cref="FinalSettled"/>.
    /// </summary>
    long FinalCheckpoint { get; }

    /// <summary>Completes when the final checkpoint is stored and committed (or aborted within the tolerated failures).</summary>
    Task FinalSettled { get; }
}
