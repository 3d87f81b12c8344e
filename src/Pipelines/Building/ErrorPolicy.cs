namespace Pipelines;

/// <summary>What happens when a user function (selector, predicate, key, aggregator, sink) throws for an element.</summary>
public enum ErrorPolicy
{
    /// <summary>The run fails with a <see cref="PipelineExecutionException"/> naming the operator and the element. The default.</summary>
    Fail,

    /// <summary>The element is skipped and counted in <see cref="RunSummary.ElementsSkipped"/>.</summary>
    Skip,

    /// <summary>The element and the exception go to the dead-letter sink (<see cref="PipelineBuilder.WithDeadLetterSink"/>) and are counted.</summary>
    DeadLetter,
}
