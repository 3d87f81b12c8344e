using Pipelines;
using Pipelines.Postgres;

namespace OrderEnrichment;

/// <summary>
/// Orders captured from PostgreSQL (a snapshot of those already there, then each insert as it commits), summed per
/// region and hour of the order's time, and upserted into <c>revenue_per_hour</c>. Orders are only ever inserted
/// here: an update or delete of an order would need the sum to take the old amount back, which is what changelog
/// tables will do.
/// </summary>
public static class RevenuePipeline
{
    public const string Slot = "order_revenue";

    public static Pipeline Define(string connectionString)
    {
        var orders = PostgresSources.ChangeDataCapture<Order>(new PostgresCdcOptions
        {
            ConnectionString = connectionString, Tables = ["orders"], Slot = Slot,
        });
        var p = new PipelineBuilder();
        p.From(orders)
         .Where(c => c.Operation is ChangeOperation.Snapshot or ChangeOperation.Insert)
         .WithEventTime(c => c.After!.PlacedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
         .KeyBy(c => c.After!.Region)
         .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
         .Sum(c => c.After!.Amount)
         .Select(r => new HourlyRevenue(r.Key, r.Window.Start, r.Value))
         .To(PostgresSinks.Upsert<HourlyRevenue>(connectionString, "revenue_per_hour", ["region", "hour"]));
        return p.Build();
    }
}
