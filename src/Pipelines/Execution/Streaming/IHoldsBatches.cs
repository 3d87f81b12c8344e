namespace Pipelines.Execution.Streaming;

/// <summary>An edge that may hold partial batches between input batches (<see cref="PartitionedEdge{T}"/>): its producer sends them before it waits.</summary>
internal interface IHoldsBatches
{
    /// <summary>Sends every partial batch the edge holds.</summary>
    void SendHeld();
}
