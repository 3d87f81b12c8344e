namespace Pipelines.Plan;

/// <summary>A node with further outputs (late elements) that the builder registers next to it.</summary>
internal interface IHasSideOutput
{
    IReadOnlyList<Node> SideOutputs { get; }
}
