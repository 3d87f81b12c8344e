namespace Pipelines.Tests.Tables;

/// <summary>Orders enriched with customer tiers: the shared input of the table tests, run on either executor.</summary>
internal static class TableScenario
{
    public static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    public sealed record Order(int Id, string Customer, DateTimeOffset Time)
    {
        public override string ToString() => $"#{Id} {Customer}@{(Time - T0).TotalSeconds}s";
    }

    public static Order O(int id, string customer, double seconds) => new(id, customer, T0.AddSeconds(seconds));

    public static Change<string, string> Insert(string customer, string tier, double seconds) => Change.Insert(customer, tier, T0.AddSeconds(seconds));

    public static Change<string, string> Update(string customer, string tier, double seconds) => Change.Update(customer, tier, T0.AddSeconds(seconds));

    public static Change<string, string> Delete(string customer, double seconds) => Change.Delete<string, string>(customer, T0.AddSeconds(seconds));

    /// <summary>How a run is executed: bounded, or streaming with a parallelism.</summary>
    public sealed record Executor(int? Parallelism)
    {
        public static readonly Executor Bounded = new((int?)null);

        public override string ToString() => Parallelism is int p ? $"streaming P{p}" : "bounded";

        public Task<RunSummary> RunAsync(Pipeline pipeline) => Parallelism is int p
            ? new StreamingExecutor(new StreamingOptions { Parallelism = p, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(pipeline).WaitAsync(TimeSpan.FromSeconds(60))
            : new BoundedExecutor().RunAsync(pipeline);
    }

    /// <summary>
    /// Joins <paramref name="orders"/> with the table of <paramref name="changes"/> and collects the results;
    /// <paramref name="tableFirst"/> adds the changelog source first (the bounded executor then reads it first).
    /// </summary>
    public static async Task<List<string>> JoinAsync(
        Executor executor,
        IEnumerable<Order> orders,
        IEnumerable<Change<string, string>> changes,
        Func<DataStream<Order>, Table<string, string>, DataStream<string>> join,
        bool tableFirst = false,
        TimeSpan? bound = null)
    {
        var strategy = Watermarks.BoundedOutOfOrderness(bound ?? TimeSpan.FromSeconds(1));
        var results = new List<string>();
        var p = new PipelineBuilder();
        DataStream<Change<string, string>>? changeStream = tableFirst ? p.From(Sources.Enumerable(changes, "tiers")).WithEventTime(c => c.Time, strategy) : null;
        var orderStream = p.From(Sources.Enumerable(orders, "orders")).WithEventTime(o => o.Time, strategy);
        changeStream ??= p.From(Sources.Enumerable(changes, "tiers")).WithEventTime(c => c.Time, strategy);
        join(orderStream, changeStream.ToTable()).To(Sinks.Collection(results));
        await executor.RunAsync(p.Build());
        return results;
    }

    public static string Enriched(Order order, string? tier) => $"{order.Id}:{tier ?? "none"}";
}
