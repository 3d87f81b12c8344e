namespace Pipelines;

/// <summary>Where an <see cref="Exchange{T}"/> sits in the pipeline being defined: what it may derive names and settings from.</summary>
public sealed class ExchangeContext
{
    internal ExchangeContext(string pipelineName, int index, string streamName, bool hasEventTime, IReadOnlyList<object> upstreamSources)
    {
        PipelineName = pipelineName;
        Index = index;
        StreamName = streamName;
        HasEventTime = hasEventTime;
        UpstreamSources = upstreamSources;
    }

    /// <summary>The pipeline's name (<see cref="PipelineBuilder.Name"/>).</summary>
    public string PipelineName { get; }

    /// <summary>The exchange's place among the pipeline's exchanges, from 0 in the order they are connected: the same in every instance that defines the pipeline the same way.</summary>
    public int Index { get; }

    /// <summary>The name of the operator producing the stream that enters the exchange.</summary>
    public string StreamName { get; }

    /// <summary>Whether the stream carries event times: the exchange must then carry them and the watermark.</summary>
    public bool HasEventTime { get; }

    /// <summary>The sources (<see cref="Source{T}"/> instances) the stream comes from, upstream of the exchange.</summary>
    public IReadOnlyList<object> UpstreamSources { get; }
}
