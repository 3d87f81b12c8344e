namespace OrderEnrichment;

/// <summary>A row of the <c>orders</c> table, as change data capture delivers it.</summary>
public sealed record Order(long Id, string Region, decimal Amount, DateTimeOffset PlacedAt);

/// <summary>A row of the <c>revenue_per_hour</c> table the pipeline keeps up to date.</summary>
public sealed record HourlyRevenue(string Region, DateTimeOffset Hour, decimal Revenue);
