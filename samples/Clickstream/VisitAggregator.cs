using Pipelines;

namespace Clickstream;

/// <summary>Folds a visit's events into a <see cref="Visit"/>; <see cref="Merge"/> joins two sessions when an event bridges them.</summary>
public sealed class VisitAggregator : IAggregator<ClickEvent, Visit, Visit>
{
    public Visit CreateAccumulator() => default;

    public Visit Add(Visit visit, ClickEvent e) => new(visit.Events + 1, visit.Views + (e.Kind == "view" ? 1 : 0), visit.Purchased || e.Kind == "purchase");

    public Visit Merge(Visit left, Visit right) => new(left.Events + right.Events, left.Views + right.Views, left.Purchased || right.Purchased);

    public Visit GetResult(Visit visit) => visit;
}
