using Pipelines.Time;

namespace Pipelines.Runtime;

/// <summary>Applies an operator's <see cref="ErrorPolicy"/> to an exception thrown by a user function.</summary>
internal sealed class OperatorErrorHandler(
    string operatorName,
    ErrorPolicy policy,
    RunCounters counters,
    Diagnostics.OperatorTelemetry telemetry,
    DeadLetterRouter? deadLetters,
    ElementRole role = ElementRole.Function)
{
    public string OperatorName { get; } = operatorName;

    /// <summary>The policy applied; operators that emit several outputs per element use it to avoid partial output.</summary>
    public ErrorPolicy Policy { get; } = policy;

    /// <summary>Fails the run (throws) or records the element as skipped or dead-lettered.</summary>
    public void Handle(Exception exception, object? element, long timestamp)
    {
        if (exception is PipelineExecutionException or OperationCanceledException) throw exception;
        switch (Policy)
        {
            case ErrorPolicy.Skip:
                counters.AddSkipped(1);
                telemetry.Skipped();
                break;
            case ErrorPolicy.DeadLetter when deadLetters is not null:
                DateTimeOffset? time = timestamp == EventTime.MinWatermark ? null : EventTime.ToDateTimeOffset(timestamp);
                deadLetters.Publish(new DeadLetter(OperatorName, element, time, exception));
                counters.AddDeadLettered(1);
                telemetry.DeadLettered();
                break;
            default:
                throw PipelineExecutionException.ForElement(OperatorName, element, exception, role);
        }
    }
}
