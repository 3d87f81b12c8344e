using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Tests;

/// <summary>
/// FOR SYSTEM_TIME AS OF: versioned tables registered from changelogs and upserts, joined as of each row's event
/// time (inner and LEFT) or as of arrival (PROCTIME()), on both executors and against the builder's TemporalJoin;
/// and the errors for what it does not take, with their positions.
/// </summary>
public sealed class TemporalJoinTests
{
    public sealed record Order(int Id, int CustomerId, decimal Amount, DateTimeOffset PlacedAt);

    public sealed record Customer(int Id, string Name, string Tier);

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private const string LeftJoin =
        "SELECT o.Id, o.Amount, c.Name, c.Tier FROM orders AS o LEFT JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON o.CustomerId = c.Id";

    private static readonly Change<int, Customer>[] Changes =
    [
        Change.Insert(1, new Customer(1, "Ann", "silver"), T0),
        Change.Insert(2, new Customer(2, "Bob", "bronze"), T0),
        Change.Update(1, new Customer(1, "Ann", "gold"), T0.AddHours(1)),
        Change.Delete<int, Customer>(2, T0.AddHours(2)),
    ];

    private static readonly Order[] Orders =
    [
        new(10, 1, 5m, T0.AddMinutes(30)),      // before Ann's upgrade: silver
        new(11, 1, 6m, T0.AddHours(1)),         // at the upgrade: gold
        new(12, 2, 7m, T0.AddMinutes(59)),      // Bob still there
        new(13, 2, 8m, T0.AddHours(3)),         // Bob deleted: NULLs
        new(14, 3, 9m, T0.AddHours(3)),         // nobody: NULLs
        new(15, 1, 1m, T0.AddMinutes(-1)),      // before Ann existed: NULLs
    ];

    internal static async Task<List<string>> RunAsync(string sql, bool streaming, Order[]? orders = null, Change<int, Customer>[]? changes = null, Action<SqlEnvironment>? more = null)
    {
        var builder = new PipelineBuilder();
        var delay = Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5));
        var env = new SqlEnvironment(builder);
        env.RegisterTable("orders", builder.From(Sources.Enumerable(orders ?? Orders, "orders")).WithEventTime(o => o.PlacedAt, delay), isBounded: true, timeColumn: nameof(Order.PlacedAt));
        env.RegisterVersionedTable("customers", builder.From(Sources.Enumerable(changes ?? Changes, "customer changes")).WithEventTime(c => c.Time, delay), primaryKey: "Id", isBounded: true);
        more?.Invoke(env);
        var rows = new List<Row>();
        env.Query(sql).Stream.To(Sinks.Collection(rows));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 3 }).RunAsync(builder.Build());
        else await new BoundedExecutor().RunAsync(builder.Build());
        return [.. Both.Lines(rows).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LeftJoin_TakesTheRowValidAtEachOrdersTime_AndNullsWhenThereIsNone(bool streaming)
    {
        var rows = await RunAsync(LeftJoin, streaming);

        rows.Should().Equal(
            "10|5|Ann|silver",
            "11|6|Ann|gold",
            "12|7|Bob|bronze",
            "13|8|NULL|NULL",
            "14|9|NULL|NULL",
            "15|1|NULL|NULL");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InnerJoin_DropsOrdersWithoutAValidRow(bool streaming)
    {
        var rows = await RunAsync(
            "SELECT o.Id, c.Tier FROM orders o JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt c ON c.Id = o.CustomerId WHERE o.Amount > 5",
            streaming);

        rows.Should().Equal("11|gold", "12|bronze");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUpdateBetweenTwoOrders_ChangesTheSecondOrdersEnrichmentOnly(bool streaming)
    {
        Change<int, Customer>[] changes =
        [
            Change.Insert(7, new Customer(7, "Cy", "bronze"), T0),
            Change.Update(7, new Customer(7, "Cy", "platinum"), T0.AddMinutes(10)),
        ];
        Order[] orders = [new(1, 7, 1m, T0.AddMinutes(9)), new(2, 7, 2m, T0.AddMinutes(11))];

        // The update arrives before the first order: the first order still gets the row valid at its time.
        var rows = await RunAsync("SELECT o.Id, c.Tier FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON o.CustomerId = c.Id", streaming, orders, changes);

        rows.Should().Equal("1|bronze", "2|platinum");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LeftJoin_ARowTheRestOfOnRejects_IsTheOrderWithNulls(bool streaming)
    {
        var rows = await RunAsync(
            "SELECT o.Id, c.Tier FROM orders AS o LEFT OUTER JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON o.CustomerId = c.Id AND c.Tier <> 'gold' AND o.Amount < 7",
            streaming);

        rows.Should().Equal("10|silver", "11|NULL", "12|NULL", "13|NULL", "14|NULL", "15|NULL");
    }

    [Fact]
    public async Task Upserts_AndKeysOfWiderType_Join()
    {
        // Prices per (shop, product), each valid from its time; orders name the product by a BIGINT.
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        Price[] prices = [new("s", 1, 10m, T0), new("s", 1, 12m, T0.AddMinutes(5)), new("t", 1, 99m, T0)];
        Purchase[] purchases = [new("s", 1L, T0.AddMinutes(4)), new("s", 1L, T0.AddMinutes(6)), new("t", 1L, T0.AddMinutes(1)), new("u", 1L, T0.AddMinutes(1))];
        env.RegisterVersionedTable("prices", builder.From(Sources.Enumerable(prices, "prices")), primaryKey: "Shop, Product", timeColumn: nameof(Price.ValidFrom), isBounded: true);
        env.RegisterTable("purchases", builder.From(Sources.Enumerable(purchases, "purchases")), isBounded: true, timeColumn: nameof(Purchase.At));
        var rows = new List<Row>();
        env.Query("SELECT p.Shop, p.At, pr.Amount FROM purchases p JOIN prices FOR SYSTEM_TIME AS OF p.At pr ON pr.Shop = p.Shop AND p.ProductId = pr.Product").Stream.To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(builder.Build());

        Both.Lines(rows).Order(StringComparer.Ordinal).Should().Equal(
            "s|2026-03-01T09:04:00.000Z|10",
            "s|2026-03-01T09:06:00.000Z|12",
            "t|2026-03-01T09:01:00.000Z|99");
    }

    public sealed record Price(string Shop, int Product, decimal Amount, DateTimeOffset ValidFrom);

    public sealed record Purchase(string Shop, long ProductId, DateTimeOffset At);

    [Fact]
    public async Task CompositeKeys_FromAChangelogOfTuples_Join()
    {
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        Change<(string, int), Price>[] changes =
        [
            Change.Insert(("s", 1), new Price("s", 1, 10m, T0), T0),
            Change.Delete<(string, int), Price>(("s", 1), T0.AddMinutes(5)),
        ];
        Purchase[] purchases = [new("s", 1L, T0.AddMinutes(4)), new("s", 1L, T0.AddMinutes(6))];
        env.RegisterVersionedTable("prices", builder.From(Sources.Enumerable(changes, "price changes")), primaryKey: "Shop,Product", isBounded: true);
        env.RegisterTable("purchases", builder.From(Sources.Enumerable(purchases, "purchases")), isBounded: true, timeColumn: nameof(Purchase.At));
        var rows = new List<Row>();
        env.Query("SELECT p.At, pr.Amount FROM purchases p LEFT JOIN prices FOR SYSTEM_TIME AS OF p.At pr ON pr.Shop = p.Shop AND p.ProductId = pr.Product").Stream.To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(builder.Build());

        Both.Lines(rows).Order(StringComparer.Ordinal).Should().Equal("2026-03-01T09:04:00.000Z|10", "2026-03-01T09:06:00.000Z|NULL");
    }

    [Fact]
    public async Task AChangeWhoseKeyIsNotItsRowsPrimaryKey_FailsTheRun_NamingTheTable()
    {
        Change<int, Customer>[] changes = [Change.Insert(1, new Customer(2, "Ann", "gold"), T0)];

        var act = () => RunAsync(LeftJoin, streaming: false, changes: changes);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should()
            .Contain("table 'customers': the Insert of key (1) holds a row whose primary key (Id) is (2)");
    }

    [Fact]
    public async Task ProcTime_IsALookupJoinOnTheLatestRowReceived()
    {
        // The bounded executor reads the sources in the order they were added: every change, then every order.
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        env.RegisterVersionedTable("customers", builder.From(Sources.Enumerable(Changes, "customer changes")), primaryKey: "Id", isBounded: true);
        env.RegisterTable("orders", builder.From(Sources.Enumerable(Orders, "orders")), isBounded: true);
        var results = new List<Row>();
        const string Lookup = "SELECT o.Id, c.Tier FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF PROCTIME() AS c ON o.CustomerId = c.Id";
        env.Query(Lookup).Stream.To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(builder.Build());

        // The latest rows, whatever the orders' times (they need none): Ann gold; Bob deleted.
        Both.Lines(results).Order(StringComparer.Ordinal).Should().Equal("10|gold", "11|gold", "15|gold");
        env.Explain(Lookup).Should().Contain("LookupJoin customers (the latest row when each row arrives, processing time) on c.Id = o.CustomerId");
    }

    [Fact]
    public void Explain_ShowsTheTemporalJoin()
    {
        var env = new SqlEnvironment();
        var builder = env.Builder;
        env.RegisterTable("orders", builder.From(Sources.Enumerable(Orders, "orders")), isBounded: true, timeColumn: nameof(Order.PlacedAt));
        env.RegisterVersionedTable("customers", builder.From(Sources.Enumerable(Changes, "customer changes")), primaryKey: "Id", isBounded: true);

        string plan = env.Explain(LeftJoin);

        plan.Should().Contain("LeftTemporalJoin customers as of o.PlacedAt (the row valid at each row's event time) on c.Id = o.CustomerId")
            .And.MatchRegex(@"\n    Versioned table customers \(changelog '[^']+' of Customer, primary key \(Id\)\), bounded\n");
    }

    [Theory]
    [InlineData("SELECT * FROM orders o RIGHT JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt c ON o.CustomerId = c.Id", 1, 24, "RIGHT JOIN is not supported there")]
    [InlineData("SELECT * FROM orders o FULL OUTER JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt c ON o.CustomerId = c.Id", 1, 24, "FULL JOIN is not supported there")]
    [InlineData("SELECT * FROM orders o\nLEFT JOIN customers c ON o.CustomerId = c.Id", 2, 1, "LEFT JOIN is supported only as a temporal join")]
    [InlineData("SELECT * FROM orders o JOIN customers c FOR SYSTEM_TIME AS OF o.PlacedAt ON o.CustomerId = c.Id", 1, 41, "comes right after the table name, before its alias")]
    [InlineData("SELECT * FROM orders o JOIN customers FOR SYSTEM_TIME OF o.PlacedAt c ON o.CustomerId = c.Id", 1, 55, "expected AS")]
    public void ParseErrors_SayWhere(string sql, int line, int column, string message)
    {
        var act = () => Parser.ParseScript(sql);

        var error = act.Should().Throw<SqlException>().Which;
        error.Message.Should().Contain(message);
        (error.Line, error.Column).Should().Be((line, column));
    }

    [Fact]
    public void Parser_ReadsTheClause_AndTheJoinKind()
    {
        var query = ((QueryStatement)Parser.ParseScript(LeftJoin.Replace("o.PlacedAt", "PROCTIME()", StringComparison.Ordinal))[0]).Query;

        var join = (JoinFrom)query.From;
        join.Kind.Should().Be(JoinKind.Left);
        var table = (TableFrom)join.Right;
        (table.Name, table.Alias, table.AsOf!.Text).Should().Be(("customers", "c", "PROCTIME()"));
    }

    [Theory]
    [InlineData("SELECT * FROM orders AS o JOIN plain FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON o.CustomerId = c.Id", 1, 32, "table 'plain' is not versioned, so it cannot be read FOR SYSTEM_TIME AS OF")]
    [InlineData("SELECT * FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c\n  ON o.CustomerId = c.Name", 2, 19, "ON must equate each key column with an expression of the left side, as in c.Id = o.Id; missing: Id")]
    [InlineData("SELECT * FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.PlacedAt AS c ON c.Id = 1", 1, 88, "missing: Id")]
    [InlineData("SELECT * FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.Amount AS c ON o.CustomerId = c.Id", 1, 64, "o.Amount is not the left side's time attribute; a temporal join reads 'customers' as of o.PlacedAt")]
    [InlineData("SELECT * FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF c.Id AS c ON o.CustomerId = c.Id", 1, 64, "as of the left side's time attribute, o.PlacedAt (or PROCTIME()")]
    [InlineData("SELECT * FROM untimed AS u JOIN customers FOR SYSTEM_TIME AS OF u.PlacedAt AS c ON u.CustomerId = c.Id", 1, 65, "has no time attribute, so there is no event time to read 'customers' as of")]
    [InlineData("SELECT * FROM customers", 1, 15, "table 'customers' is a versioned table (a changelog by primary key Id): read it as of a time in a join")]
    [InlineData("SELECT * FROM orders FOR SYSTEM_TIME AS OF PROCTIME()", 1, 44, "put it on the right of a join")]
    [InlineData("SELECT * FROM orders o JOIN customers c ON o.CustomerId = c.Id", 1, 29, "is a versioned table")]
    public void PlanErrors_SayWhereAndWhatToWrite(string sql, int line, int column, string message)
    {
        var env = new SqlEnvironment();
        var builder = env.Builder;
        env.RegisterTable("orders", builder.From(Sources.Enumerable(Orders, "orders")), isBounded: true, timeColumn: nameof(Order.PlacedAt));
        env.RegisterTable("untimed", builder.From(Sources.Enumerable(Orders, "untimed")), isBounded: true);
        env.RegisterTable("plain", builder.From(Sources.Enumerable(Array.Empty<Customer>(), "plain")), isBounded: true);
        env.RegisterVersionedTable("customers", builder.From(Sources.Enumerable(Changes, "customer changes")), primaryKey: "Id", isBounded: true);

        var act = () => env.Query(sql);

        var error = act.Should().Throw<SqlException>().Which;
        error.Message.Should().Contain(message);
        (error.Line, error.Column).Should().Be((line, column));
    }

    [Fact]
    public void Registration_NamesAnUnknownKeyColumn()
    {
        var env = new SqlEnvironment();

        var act = () => env.RegisterVersionedTable("customers", env.Builder.From(Sources.Enumerable(Changes)), primaryKey: "Ids");

        act.Should().Throw<ArgumentException>().WithMessage("the primary key column 'Ids' is not a column of Customer; did you mean 'Id'?*");
    }
}
