namespace Pipelines.Plan;

/// <summary>A join: its late elements of each side are side outputs.</summary>
internal interface IJoinNode<TLeft, TRight> : IHasSideOutput
{
    LateNode<TLeft> LateLeft { get; }

    LateNode<TRight> LateRight { get; }
}
