namespace Pipelines;

/// <summary>
/// A run failed: a user function threw under <see cref="ErrorPolicy.Fail"/>, a source or sink failed, or the
/// pipeline could not run. The message names the operator and the element; the cause is the inner exception.
/// </summary>
public sealed class PipelineExecutionException : Exception
{
    private const int MaxElementText = 200;

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public PipelineExecutionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PipelineExecutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The operator (or source, or sink) that failed.</summary>
    public string? Operator { get; private init; }

    /// <summary>The element being processed, if the failure concerns one.</summary>
    public object? Element { get; private init; }

    internal static PipelineExecutionException ForElement(string operatorName, object? element, Exception cause) => new(
        $"Operator '{operatorName}' failed on element {Describe(element)}: {cause.GetType().Name}: {cause.Message} " +
        "Fix the function, or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the pipeline or the operator to keep going.",
        cause)
    {
        Operator = operatorName,
        Element = element,
    };

    internal static PipelineExecutionException ForComponent(string kind, string name, Exception cause) => new(
        $"{kind} '{name}' failed: {cause.GetType().Name}: {cause.Message}", cause)
    {
        Operator = name,
    };

    internal static string Describe(object? element)
    {
        string text;
        try
        {
            text = element?.ToString() ?? "null";
        }
        catch (Exception ex)
        {
            text = $"<{element!.GetType().Name}: ToString threw {ex.GetType().Name}>";
        }

        return "'" + (text.Length <= MaxElementText ? text : string.Concat(text.AsSpan(0, MaxElementText), "…")) + "'";
    }
}
