using Pipelines.Plan;

namespace Pipelines.Execution;

/// <summary>
/// Tells the sinks of a run that ended before opening them (<see cref="Sink{T}.OnRunEndedUnopened"/>): each sink
/// once, by instance (one sink may stand behind several nodes), never one the run opened, and the dead-letter sink too.
/// </summary>
internal static class UnopenedSinks
{
    /// <summary>A run refused before it started: every sink of <paramref name="pipeline"/> hears <paramref name="error"/>, which is returned to be thrown.</summary>
    public static TException Refused<TException>(Pipeline pipeline, TException error)
        where TException : Exception
    {
        Notify(pipeline, pipeline.Sinks, opened: null, deadLetterOpened: false, error);
        return error;
    }

    /// <summary>A run that ended after opening some of its sinks: the others hear <paramref name="error"/>.</summary>
    /// <param name="pipeline">The run's pipeline.</param>
    /// <param name="sinks">The sink nodes, in the order they were opened.</param>
    /// <param name="opened">Which nodes' sinks were opened (null: none).</param>
    /// <param name="deadLetterOpened">Whether the dead-letter sink was opened.</param>
    /// <param name="error">Why the run ended.</param>
    public static void Notify(Pipeline pipeline, IReadOnlyList<ISinkNode> sinks, bool[]? opened, bool deadLetterOpened, Exception error)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < sinks.Count; i++)
        {
            if (opened is not null && opened[i]) seen.Add(sinks[i].SinkInstance);
        }

        if (deadLetterOpened && pipeline.DeadLetterSink is { } opens) seen.Add(opens);
        foreach (var sink in sinks)
        {
            if (seen.Add(sink.SinkInstance)) sink.RunEndedUnopened(error);
        }

        if (pipeline.DeadLetterSink is { } deadLetters && seen.Add(deadLetters)) Tell(deadLetters, error);
    }

    private static void Tell<T>(Sink<T> sink, Exception error)
    {
        try
        {
            sink.OnRunEndedUnopened(error);
        }
        catch (Exception)
        {
            // The sink's own handling failed: the run's error is what the caller gets, and it stands.
        }
    }
}
