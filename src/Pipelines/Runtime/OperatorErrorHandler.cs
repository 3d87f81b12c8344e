using Pipelines.Time;

namespace Pipelines.Runtime;

/// <summary>Applies an operator's <see cref="ErrorPolicy"/> to an exception thrown by a user function.</summary>
internal sealed class OperatorErrorHandler(string operatorName, ErrorPolicy policy, RunCounters counters, DeadLetterRouter? deadLetters)
{
    public string OperatorName { get; } = operatorName;

    public ErrorPolicy Policy { get; } = policy;

    /// <summary>Fails the run (throws) or records the element as skipped or dead-lettered.</summary>
    public void Handle(Exception exception, object? element, long timestamp)
    {
        if (exception is PipelineExecutionException or OperationCanceledException) throw exception;
        switch (Policy)
        {
            case ErrorPolicy.Skip:
                counters.AddSkipped(1);
                break;
            case ErrorPolicy.DeadLetter when deadLetters is not null:
                DateTimeOffset? time = timestamp == EventTime.MinWatermark ? null : EventTime.ToDateTimeOffset(timestamp);
                deadLetters.Publish(new DeadLetter(OperatorName, element, time, exception));
                counters.AddDeadLettered(1);
                break;
            default:
                throw PipelineExecutionException.ForElement(OperatorName, element, exception);
        }
    }
}
