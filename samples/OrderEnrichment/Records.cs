namespace OrderEnrichment;

/// <summary>A row of the <c>orders</c> table, as change data capture delivers it.</summary>
public sealed record Order(long Id, long CustomerId, decimal Amount, DateTimeOffset PlacedAt);

/// <summary>A row of the <c>customers</c> table: the tier holds from <see cref="UpdatedAt"/> until the next update.</summary>
public sealed record Customer(long Id, string Name, string Tier, DateTimeOffset UpdatedAt);

/// <summary>A row of the <c>revenue_per_tier_hour</c> table the pipeline keeps up to date.</summary>
public sealed record TierRevenue(string Tier, DateTimeOffset Hour, decimal Revenue);
