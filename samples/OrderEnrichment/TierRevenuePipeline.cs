using Pipelines;
using Pipelines.Postgres;

namespace OrderEnrichment;

/// <summary>
/// Orders captured from PostgreSQL, each enriched with the tier its customer had when the order was placed — a
/// temporal join against the <c>customers</c> table, captured too and kept as a table of versions — and summed per
/// tier and hour of the order's time into <c>revenue_per_tier_hour</c>.
/// </summary>
public static class TierRevenuePipeline
{
    /// <summary>The replication slot (and publication) of the orders.</summary>
    public const string OrdersSlot = "enrichment_orders";

    /// <summary>The replication slot (and publication) of the customers.</summary>
    public const string CustomersSlot = "enrichment_customers";

    public static Pipeline Define(string connectionString)
    {
        var p = new PipelineBuilder("order-enrichment");

        // Every version of every customer, valid from its updated_at (customers are never deleted here: a delete
        // would carry no row, and would be valid from its commit time, c.Time).
        var customers = p.From(PostgresSources.ChangeDataCapture<Customer>(new PostgresCdcOptions
            {
                ConnectionString = connectionString, Tables = ["customers"], Slot = CustomersSlot,
            }))
            .ToChangelog(c => c.Id)
            .WithEventTime(c => c.Row!.UpdatedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
            .ToTable();

        p.From(PostgresSources.ChangeDataCapture<Order>(new PostgresCdcOptions
            {
                ConnectionString = connectionString, Tables = ["orders"], Slot = OrdersSlot,
            }))
         .Where(c => c.Operation is ChangeOperation.Snapshot or ChangeOperation.Insert)   // orders are only inserted here
         .Select(c => c.After!)
         .WithEventTime(o => o.PlacedAt, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(1)))
         .TemporalJoin(customers, o => o.CustomerId, (o, c) => (c.Tier, o.Amount))   // the tier valid when the order was placed
         .KeyBy(x => x.Tier)
         .Window(Windows.Tumbling(TimeSpan.FromHours(1)))
         .Sum(x => x.Amount)
         .Select(r => new TierRevenue(r.Key, r.Window.Start, r.Value))
         .To(PostgresSinks.Upsert<TierRevenue>(connectionString, "revenue_per_tier_hour", ["tier", "hour"]));
        return p.Build();
    }

    /// <summary>
    /// How the pipeline runs: no source is treated as idle (a quiet customers table must hold the orders back, or a
    /// later tier change would be late), and a checkpoint every 200 ms stored in <paramref name="checkpoints"/>, so
    /// the slots' positions are confirmed while it runs (a temporal join without checkpoint storage would hold every
    /// checkpoint to the end, and the server would keep all the WAL until then).
    /// </summary>
    public static StreamingOptions Options(string checkpoints) => new()
    {
        IdleTimeout = Timeout.InfiniteTimeSpan,
        CheckpointInterval = TimeSpan.FromMilliseconds(200),
        CheckpointStorage = CheckpointStorage.Directory(checkpoints),
    };
}
