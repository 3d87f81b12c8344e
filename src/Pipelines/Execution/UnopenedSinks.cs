using Pipelines.Plan;

namespace Pipelines.Execution;

/// <summary>Tells the sinks of a run that ended before opening them (<see cref="Sink{T}.OnRunEndedUnopened"/>).</summary>
internal static class UnopenedSinks
{
    /// <summary>A run refused before it started: every sink of <paramref name="pipeline"/> hears <paramref name="error"/>, which is returned to be thrown.</summary>
    public static TException Refused<TException>(Pipeline pipeline, TException error)
        where TException : Exception
    {
        foreach (var sink in pipeline.Sinks) sink.RunEndedUnopened(error);
        return error;
    }
}
