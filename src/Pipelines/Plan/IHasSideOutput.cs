namespace Pipelines.Plan;

/// <summary>A node with a second output (late elements) that the builder registers next to it.</summary>
internal interface IHasSideOutput
{
    Node SideOutput { get; }
}
