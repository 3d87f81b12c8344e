namespace Pipelines;

/// <summary>What a finished run did: how many elements it read and where the ones without a result went.</summary>
public sealed record RunSummary
{
    /// <summary>Elements read from all sources.</summary>
    public long ElementsRead { get; init; }

    /// <summary>Elements later than their window's allowed lateness (also sent to <c>LateElements()</c> where that is connected).</summary>
    public long LateElementsDropped { get; init; }

    /// <summary>Elements whose user function threw under <see cref="ErrorPolicy.Skip"/>.</summary>
    public long ElementsSkipped { get; init; }

    /// <summary>Elements whose user function threw under <see cref="ErrorPolicy.DeadLetter"/>, sent to the dead-letter sink.</summary>
    public long ElementsDeadLettered { get; init; }

    /// <summary>Results handed to the pipeline's sinks (all sinks together; dead letters not included).</summary>
    public long ResultsWritten { get; init; }

    /// <summary>
    /// Checkpoints completed while the run went on (streaming runs whose sources commit during the run; see
    /// <see cref="StreamingOptions.CheckpointInterval"/>). The final commit at the end of a run is not counted.
    /// </summary>
    public long CheckpointsCompleted { get; init; }

    /// <summary>Wall-clock duration of the run.</summary>
    public TimeSpan Elapsed { get; init; }
}
