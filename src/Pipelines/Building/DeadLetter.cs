namespace Pipelines;

/// <summary>An element a user function failed on, with where and why; sent to the dead-letter sink.</summary>
/// <param name="Operator">The name of the operator whose function threw.</param>
/// <param name="Element">The element.</param>
/// <param name="Timestamp">The element's event time, if it had one.</param>
/// <param name="Exception">What the function threw.</param>
public sealed record DeadLetter(string Operator, object? Element, DateTimeOffset? Timestamp, Exception Exception)
{
    /// <inheritdoc />
    public override string ToString() => $"{Operator}: {PipelineExecutionException.Describe(Element)} -> {Exception.GetType().Name}: {Exception.Message}";
}
