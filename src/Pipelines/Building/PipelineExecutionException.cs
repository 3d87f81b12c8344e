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

    internal static PipelineExecutionException ForElement(string operatorName, object? element, Exception cause, ElementRole role = ElementRole.Function) => new(
        $"Operator '{operatorName}' failed on element {Describe(element)}: {cause.GetType().Name}: {Sentence(cause.Message)} " + role switch
        {
            ElementRole.Sink => "The sink could not take this element: fix the sink or what it writes to, " +
                "or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the pipeline (PipelineBuilder.OnError) to keep going.",
            ElementRole.Source => "The source could not read this record: fix the input, " +
                "or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the source's stream (p.From(source).OnError(...)) or on the pipeline to keep going.",
            _ => "Fix the function, or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the pipeline or the operator to keep going.",
        },
        cause)
    {
        Operator = operatorName,
        Element = element,
    };

    /// <summary>A message as a sentence: ends with a full stop (or other closing mark) before the advice that follows.</summary>
    private static string Sentence(string message)
    {
        string trimmed = message.TrimEnd();
        return trimmed.Length == 0 || trimmed[^1] is '.' or '!' or '?' ? trimmed : trimmed + ".";
    }

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

/// <summary>What part of the pipeline failed on an element, so the error's advice fits it.</summary>
internal enum ElementRole
{
    /// <summary>A user function of an operator.</summary>
    Function,

    /// <summary>A source that could not read a record.</summary>
    Source,

    /// <summary>A sink that could not take an element.</summary>
    Sink,
}
