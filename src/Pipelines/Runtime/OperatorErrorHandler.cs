using Pipelines.Time;

namespace Pipelines.Runtime;

/// <summary>Applies an operator's <see cref="ErrorPolicy"/> to an exception thrown by a user function.</summary>
internal sealed class OperatorErrorHandler(
    string operatorName,
    ErrorPolicy policy,
    RunCounters counters,
    Diagnostics.OperatorTelemetry telemetry,
    DeadLetterRouter? deadLetters,
    ElementRole role = ElementRole.Function,
    CancellationToken runToken = default)
{
    public string OperatorName { get; } = operatorName;

    /// <summary>The policy applied; operators that emit several outputs per element use it to avoid partial output.</summary>
    public ErrorPolicy Policy { get; } = policy;

    /// <summary>
    /// Fails the run (throws) or records the element as skipped or dead-lettered. A cancellation is the run's own
    /// only when the run's token is cancelled: one a user function throws by itself (an <c>HttpClient</c> timeout,
    /// a token of its own) is that element's failure, under the policy like any other.
    /// </summary>
    public void Handle(Exception exception, object? element, long timestamp)
    {
        if (exception is PipelineExecutionException || IsRunCancellation(exception)) throw exception;
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

    /// <summary>Whether <paramref name="exception"/> is the run being cancelled (stopped without draining, failed, or cancelled by its caller).</summary>
    public bool IsRunCancellation(Exception exception) => exception is OperationCanceledException && runToken.IsCancellationRequested;
}
