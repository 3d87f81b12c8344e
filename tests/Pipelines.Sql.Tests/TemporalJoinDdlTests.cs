namespace Pipelines.Sql.Tests;

/// <summary>Versioned tables declared in SQL: CREATE TABLE with PRIMARY KEY (…) NOT ENFORCED and a WATERMARK, each row the version of its key from its time.</summary>
public sealed class TemporalJoinDdlTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Tables = """
        CREATE TABLE orders (id INT, customer_id INT, amount DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
        WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
        CREATE TABLE customers (id INT, tier STRING, updated TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED, WATERMARK FOR updated AS updated - INTERVAL '1' SECOND)
        WITH ('connector' = 'filesystem', 'path' = 'customers.csv', 'format' = 'csv');
        """;

    private void WriteFiles()
    {
        _dir.File("orders.csv", """
            id,customer_id,amount,ts
            1,1,5.00,2026-03-01 09:30:00
            2,1,6.00,2026-03-01 10:00:00
            3,2,7.00,2026-03-01 09:00:00
            4,9,8.00,2026-03-01 11:00:00
            """);
        _dir.File("customers.csv", """
            id,tier,updated
            1,gold,2026-03-01 10:00:00
            1,silver,2026-03-01 09:00:00
            2,bronze,2026-03-01 09:00:01
            """);
    }

    [Fact]
    public async Task AKeyedTableWithAWatermark_IsJoinedAsOfEachRowsTime_OnBothExecutors()
    {
        WriteFiles();

        var rows = await Both.RunAsync(Tables + """
            SELECT o.id, c.tier FROM orders AS o LEFT JOIN customers FOR SYSTEM_TIME AS OF o.ts AS c ON c.id = o.customer_id
            """, _dir.Path);

        rows.Should().Equal("1|silver", "2|gold", "3|NULL", "4|NULL");
    }

    [Fact]
    public async Task AKeyedTable_IsStillReadAsItsRows()
    {
        WriteFiles();

        var rows = await Both.RunAsync(Tables + "SELECT id, tier FROM customers", _dir.Path);

        rows.Should().Equal("1|gold", "1|silver", "2|bronze");
    }

    [Fact]
    public async Task AKeyedTableWithoutTime_CanBeLookedUp_ButNotReadAsOfATime()
    {
        WriteFiles();
        const string Untimed = """
            CREATE TABLE orders (id INT, customer_id INT, amount DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
            WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
            CREATE TABLE customers (id INT, tier STRING, updated TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED)
            WITH ('connector' = 'filesystem', 'path' = 'customers.csv', 'format' = 'csv');
            """;

        var act = () => SqlRunner.RunAsync(Untimed + "SELECT o.id, c.tier FROM orders AS o\nJOIN customers FOR SYSTEM_TIME AS OF o.ts AS c ON c.id = o.customer_id", new SqlRunOptions { BaseDirectory = _dir.Path });
        var error = (await act.Should().ThrowAsync<SqlException>()).Which;
        error.Message.Should().Contain("table 'customers' has a primary key but no time attribute, so it has no versions in time to read as of o.ts");
        (error.Line, error.Column).Should().Be((5, 38));

        // The sources are read one after the other in the order the statements added them: every order before any customer.
        var lookup = await SqlRunner.RunAsync(Untimed + "SELECT o.id, c.tier FROM orders AS o LEFT JOIN customers FOR SYSTEM_TIME AS OF PROCTIME() AS c ON c.id = o.customer_id",
            new SqlRunOptions { BaseDirectory = _dir.Path, Mode = SqlExecutionMode.Batch });
        Both.Lines(lookup.Results[0].Rows).Should().HaveCount(4);
    }

    [Theory]
    [InlineData("CREATE TABLE t (id INT, PRIMARY KEY (id)) WITH ('connector' = 'filesystem', 'path' = 'x.csv', 'format' = 'csv')", 1, 41, "write PRIMARY KEY (…) NOT ENFORCED")]
    [InlineData("CREATE TABLE t (id INT,\n  PRIMARY KEY (ids) NOT ENFORCED) WITH ('connector' = 'filesystem', 'path' = 'x.csv', 'format' = 'csv')", 2, 3, "PRIMARY KEY: unknown column 'ids'; did you mean 'id'?")]
    [InlineData("CREATE TABLE t (id INT, PRIMARY KEY (id) NOT ENFORCED, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'filesystem', 'path' = 'x.csv', 'format' = 'csv')", 1, 56, "has a PRIMARY KEY already")]
    public void KeyErrors_SayWhere(string sql, int line, int column, string message)
    {
        var act = () => new SqlEnvironment { BaseDirectory = _dir.Path }.Execute(sql);

        var error = act.Should().Throw<SqlException>().Which;
        error.Message.Should().Contain(message);
        (error.Line, error.Column).Should().Be((line, column));
    }
}
