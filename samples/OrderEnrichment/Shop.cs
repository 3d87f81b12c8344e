using System.Globalization;
using Npgsql;

namespace OrderEnrichment;

/// <summary>
/// The shop's database: its tables, a morning of generated orders and tier changes (fixed seed), and the revenue per
/// tier and hour asked in SQL — the question the pipeline answers, for the check.
/// </summary>
public static class Shop
{
    public static readonly string[] Tiers = ["bronze", "silver", "gold"];

    /// <summary>
    /// A fresh start: no slot or publication left from an earlier run, and the tables. Every version of a customer
    /// is also kept in <c>customer_history</c> (by a trigger), so SQL can say which tier was valid when.
    /// </summary>
    public const string CreateSql = $"""
        SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('{TierRevenuePipeline.OrdersSlot}', '{TierRevenuePipeline.CustomersSlot}');
        DROP PUBLICATION IF EXISTS {TierRevenuePipeline.OrdersSlot}, {TierRevenuePipeline.CustomersSlot};
        DROP TABLE IF EXISTS orders, customers, customer_history, revenue_per_tier_hour;
        CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, tier text NOT NULL, updated_at timestamptz NOT NULL);
        CREATE TABLE customer_history (version bigserial PRIMARY KEY, id bigint NOT NULL, tier text NOT NULL, valid_from timestamptz NOT NULL);
        CREATE OR REPLACE FUNCTION record_customer_version() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO customer_history (id, tier, valid_from) VALUES (NEW.id, NEW.tier, NEW.updated_at); RETURN NEW; END $$;
        CREATE TRIGGER customer_versions AFTER INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION record_customer_version();
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
        CREATE TABLE revenue_per_tier_hour (tier text, hour timestamptz, revenue numeric(14, 2) NOT NULL, PRIMARY KEY (tier, hour));
        """;

    /// <summary>Revenue per tier and hour, each order counted under the tier its customer had when it was placed (the last version at or before it).</summary>
    public const string ExpectedSql = """
        SELECT v.tier, date_trunc('hour', o.placed_at) AS hour, sum(o.amount) AS revenue
        FROM orders o
        CROSS JOIN LATERAL (
            SELECT h.tier FROM customer_history h
            WHERE h.id = o.customer_id AND h.valid_from <= o.placed_at
            ORDER BY h.valid_from DESC, h.version DESC LIMIT 1) v
        GROUP BY 1, 2 ORDER BY 2, 1
        """;

    /// <summary>What the pipeline wrote, in the order of <see cref="ExpectedSql"/>.</summary>
    public const string WrittenSql = "SELECT tier, hour, revenue FROM revenue_per_tier_hour ORDER BY hour, tier";

    /// <summary>
    /// The morning: <paramref name="customers"/> customers who signed up at 05:00, and, from 06:00 on, one order every
    /// 9 seconds (<paramref name="orders"/> of them) and a tier change now and then. The first
    /// <paramref name="ordersBefore"/> orders exist before the pipeline starts; the tier changes all come later, while it runs
    /// (the snapshot of a table holds only each customer's current version).
    /// </summary>
    public static Workload Generate(int customers, int orders, int ordersBefore, int seed = 42)
    {
        var random = new Random(seed);
        var opening = new DateTimeOffset(2026, 3, 2, 5, 0, 0, TimeSpan.Zero);
        var signups = Enumerable.Range(1, customers)
            .Select(i => new Customer(i, "customer " + i.ToString(CultureInfo.InvariantCulture), Tiers[random.Next(Tiers.Length)], opening))
            .ToList();
        var tiers = signups.ToDictionary(c => c.Id, c => c.Tier);
        var morning = opening.AddHours(1);
        var later = new List<object>();
        var before = new List<Order>();
        for (int i = 1; i <= orders; i++)
        {
            var placed = morning.AddSeconds(i * 9);
            var order = new Order(i, random.Next(1, customers + 1), random.Next(500, 50_000) / 100m, placed);
            if (i <= ordersBefore)
            {
                before.Add(order);
                continue;
            }

            if (random.Next(4) == 0)
            {
                // A tier change 4 seconds before the order, in time order with the orders.
                long id = random.Next(1, customers + 1);
                string tier = Tiers[(Array.IndexOf(Tiers, tiers[id]) + 1 + random.Next(Tiers.Length - 1)) % Tiers.Length];
                tiers[id] = tier;
                later.Add(new Customer(id, "customer " + id.ToString(CultureInfo.InvariantCulture), tier, placed.AddSeconds(-4)));
            }

            later.Add(order);
        }

        return new Workload(signups, before, later);
    }

    /// <summary>Commits the rows, <paramref name="perTransaction"/> to a transaction: orders are inserted, customers inserted or updated.</summary>
    public static async Task WriteAsync(NpgsqlConnection db, IEnumerable<object> rows, int perTransaction = 50)
    {
        foreach (var chunk in rows.Chunk(perTransaction))
        {
            await using var transaction = await db.BeginTransactionAsync();
            foreach (var row in chunk)
            {
                await using var command = row switch
                {
                    Order o => new NpgsqlCommand("INSERT INTO orders VALUES (@id, @customer, @amount, @at)", db, transaction)
                    {
                        Parameters = { new("id", o.Id), new("customer", o.CustomerId), new("amount", o.Amount), new("at", o.PlacedAt) },
                    },
                    Customer c => new NpgsqlCommand(
                        "INSERT INTO customers VALUES (@id, @name, @tier, @at) ON CONFLICT (id) DO UPDATE SET tier = EXCLUDED.tier, updated_at = EXCLUDED.updated_at", db, transaction)
                    {
                        Parameters = { new("id", c.Id), new("name", c.Name), new("tier", c.Tier), new("at", c.UpdatedAt) },
                    },
                    _ => throw new ArgumentException($"Not a row of the shop: {row}", nameof(rows)),
                };
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }
    }

    /// <summary>
    /// Waits until the pipeline's replication slots exist with their consistent point: from then on every commit is
    /// streamed as a change. A tier change committed before would only be in the snapshot, which holds each customer's
    /// current version, so the orders placed before it would find no tier valid at their time.
    /// </summary>
    public static async Task WaitForSlotsAsync(NpgsqlConnection db, Task run, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('{TierRevenuePipeline.OrdersSlot}', '{TierRevenuePipeline.CustomersSlot}') AND confirmed_flush_lsn IS NOT NULL", db);
            if ((long)(await command.ExecuteScalarAsync())! == 2) return;
            if (run.IsCompleted) await run;   // a failed run throws here
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The pipeline did not create its replication slots within {timeout.TotalSeconds:N0} s.");
            await Task.Delay(20);
        }
    }

    /// <summary>The rows a query returns, as text (tier, hour, revenue).</summary>
    public static async Task<List<string>> RowsAsync(NpgsqlConnection db, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetFieldValue<DateTime>(1):HH:mm} {reader.GetString(0),-6} {reader.GetDecimal(2),10:N2}"));
        }

        return rows;
    }
}

/// <summary>
/// The generated morning: the customers as they signed up, the orders already in the table when the pipeline starts,
/// and then, in time order, the orders (<see cref="Order"/>) and tier changes (<see cref="Customer"/>) committed while it runs.
/// </summary>
public sealed record Workload(IReadOnlyList<Customer> Customers, IReadOnlyList<Order> OrdersBefore, IReadOnlyList<object> Later)
{
    /// <summary>How many orders there are in all.</summary>
    public int Orders => OrdersBefore.Count + Later.OfType<Order>().Count();

    /// <summary>How many tier changes there are.</summary>
    public int TierChanges => Later.OfType<Customer>().Count();

    /// <summary>How many changes the pipeline's two sources read in all: the customers' snapshot and tier changes, and the orders.</summary>
    public long Changes => Customers.Count + TierChanges + Orders;
}
