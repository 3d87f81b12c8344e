namespace Pipelines.Sql.Tests;

public sealed class ExecutionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ExecutionTests()
    {
        _dir.File("flights.csv", Data.Flights);
        _dir.File("airlines.csv", Data.Airlines);
    }

    public void Dispose() => _dir.Dispose();

    private Task<List<string>> Run(string sql, bool ordered = false) => Both.RunAsync(Data.CreateFlights() + Data.CreateAirlines + sql, _dir.Path, ordered);

    [Fact]
    public async Task Select_Where_Expressions()
    {
        var rows = await Run("""
            SELECT origin || '-' || dest AS route, delay * 2 + 1 AS d2, CASE WHEN delay > 10 THEN 'late' WHEN delay IS NULL THEN 'unknown' ELSE 'ok' END AS status,
                   CAST(price AS DOUBLE) / 2 AS half, UPPER(LOWER(airline)) AS a, dep_time + INTERVAL '1' HOUR AS later
            FROM flights
            WHERE (dest IN ('LHR', 'JFK') OR airline LIKE 'A%') AND NOT origin = 'CDG' AND distance BETWEEN 300 AND 6000
            """);
        rows.Should().Equal(
            "AMS-CDG|-5|ok|49.995|AF|2024-05-01T09:00:30.000Z",
            "AMS-JFK|NULL|unknown|325|KL|2024-05-01T09:02:40.000Z",
            "AMS-LHR|11|ok|60.25|KL|2024-05-01T09:00:00.000Z",
            "AMS-LHR|15|ok|62.5|KL|2024-05-01T09:10:00.000Z",
            "AMS-LHR|1|ok|55|BA|2024-05-01T09:01:50.000Z",
            "LHR-JFK|81|late|350.125|BA|2024-05-01T09:03:59.000Z");
    }

    [Fact]
    public async Task GroupBy_OnBoundedTable_WithHavingAndOrder()
    {
        var rows = await Run("""
            SELECT airline, COUNT(*) AS n, COUNT(delay) AS with_delay, COUNT(DISTINCT dest) AS dests, SUM(delay) AS total, AVG(price) AS avg_price, MIN(dep_time) AS first, MAX(distance) AS far
            FROM flights GROUP BY airline HAVING COUNT(*) > 1 ORDER BY n DESC, airline
            """, ordered: true);
        rows.Should().Equal(
            "BA|3|3|3|52|313.416667|2024-05-01T08:01:10.000Z|5540",
            "KL|3|2|2|12|298.5|2024-05-01T08:00:00.000Z|5850",
            "AF|2|2|2|22|94.495|2024-05-01T08:00:30.000Z|400");
    }

    [Fact]
    public async Task Tumble_CountsPerWindow()
    {
        var rows = await Run("""
            SELECT window_start, window_end, origin, COUNT(*) AS n, SUM(delay) AS d
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '2' MINUTE))
            GROUP BY window_start, window_end, origin
            """);
        rows.Should().Equal(
            "2024-05-01T08:00:00.000Z|2024-05-01T08:02:00.000Z|AMS|3|2",
            "2024-05-01T08:00:00.000Z|2024-05-01T08:02:00.000Z|LHR|1|12",
            "2024-05-01T08:02:00.000Z|2024-05-01T08:04:00.000Z|AMS|1|NULL",
            "2024-05-01T08:02:00.000Z|2024-05-01T08:04:00.000Z|CDG|1|25",
            "2024-05-01T08:02:00.000Z|2024-05-01T08:04:00.000Z|LHR|1|40",
            "2024-05-01T08:10:00.000Z|2024-05-01T08:12:00.000Z|AMS|1|7");
    }

    [Fact]
    public async Task Hop_AndWindowTime()
    {
        var rows = await Run("""
            SELECT window_start, window_time, COUNT(*) AS n
            FROM TABLE(HOP(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE, INTERVAL '2' MINUTE))
            WHERE origin = 'AMS'
            GROUP BY window_start, window_end
            """);
        rows.Should().Equal(
            "2024-05-01T07:59:00.000Z|2024-05-01T08:00:59.999Z|2",
            "2024-05-01T08:00:00.000Z|2024-05-01T08:01:59.999Z|3",
            "2024-05-01T08:01:00.000Z|2024-05-01T08:02:59.999Z|2",
            "2024-05-01T08:02:00.000Z|2024-05-01T08:03:59.999Z|1",
            "2024-05-01T08:09:00.000Z|2024-05-01T08:10:59.999Z|1",
            "2024-05-01T08:10:00.000Z|2024-05-01T08:11:59.999Z|1");
    }

    [Fact]
    public async Task Session_PerPartition()
    {
        var rows = await Run("""
            SELECT airline, window_start, window_end, COUNT(*) AS n
            FROM TABLE(SESSION(TABLE flights PARTITION BY airline, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE))
            GROUP BY airline, window_start, window_end
            """);
        rows.Should().Equal(
            "AF|2024-05-01T08:00:30.000Z|2024-05-01T08:01:30.000Z|1",
            "AF|2024-05-01T08:02:05.000Z|2024-05-01T08:03:05.000Z|1",
            "BA|2024-05-01T08:01:10.000Z|2024-05-01T08:02:50.000Z|2",
            "BA|2024-05-01T08:03:59.000Z|2024-05-01T08:04:59.000Z|1",
            "KL|2024-05-01T08:00:00.000Z|2024-05-01T08:01:00.000Z|1",
            "KL|2024-05-01T08:02:40.000Z|2024-05-01T08:03:40.000Z|1",
            "KL|2024-05-01T08:10:00.000Z|2024-05-01T08:11:00.000Z|1");
    }

    [Fact]
    public async Task EquiJoin_OnBoundedTables()
    {
        var rows = await Run("SELECT f.origin, f.dest, a.name, f.delay FROM flights AS f JOIN airlines a ON f.airline = a.code WHERE f.delay > 10 ORDER BY f.delay", ordered: true);
        rows.Should().Equal("LHR|AMS|British Airways|12", "CDG|AMS|Air France|25", "LHR|JFK|British Airways|40");
    }

    [Fact]
    public async Task IntervalJoin_MatchesWithinBounds()
    {
        // Each flight with the flights from the same origin that leave 0 to 60 seconds after it.
        var rows = await Run("""
            SELECT a.airline, a.dep_time, b.airline AS next_airline, b.dep_time AS next_time
            FROM flights a JOIN flights b ON a.origin = b.origin AND b.dep_time BETWEEN a.dep_time + INTERVAL '1' SECOND AND a.dep_time + INTERVAL '60' SECOND
            """);
        rows.Should().Equal(
            "BA|2024-05-01T08:01:50.000Z|KL|2024-05-01T08:02:40.000Z",
            "KL|2024-05-01T08:00:00.000Z|AF|2024-05-01T08:00:30.000Z");
    }

    [Fact]
    public async Task WindowJoin_PairsWithinTheSameTumble()
    {
        var rows = await Run("""
            SELECT l.window_start, l.airline, r.airline AS other
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '2' MINUTE)) l
            JOIN TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '2' MINUTE)) r
              ON l.dest = r.origin AND l.window_start = r.window_start AND l.window_end = r.window_end
            """);
        rows.Should().Equal(
            "2024-05-01T08:00:00.000Z|BA|AF",
            "2024-05-01T08:00:00.000Z|BA|BA",
            "2024-05-01T08:00:00.000Z|BA|BA",
            "2024-05-01T08:00:00.000Z|BA|KL",
            "2024-05-01T08:00:00.000Z|KL|BA",
            "2024-05-01T08:02:00.000Z|AF|KL");
    }

    [Fact]
    public async Task NumericFunctionsOfANullLiteral_AreNull()
    {
        var rows = await Run("SELECT ABS(NULL) AS a, ROUND(NULL, 2) AS r, FLOOR(NULL) AS f, CEIL(NULL) AS c FROM flights WHERE origin = 'CDG'");

        rows.Should().Equal("NULL|NULL|NULL|NULL");
    }

    [Fact]
    public async Task IntegerArithmeticThatOverflows_FailsTheRow_InsteadOfWrappingAround()
    {
        // 5,850 × 10^12 × 10^12 does not fit a BIGINT: standard SQL, PostgreSQL and DuckDB raise an error, as SUM does here.
        var act = () => SqlRunner.RunAsync(Data.CreateFlights() + "SELECT distance * 1000000000000 * 1000000000000 AS big FROM flights WHERE distance = 5850",
            new SqlRunOptions { Mode = SqlExecutionMode.Batch, BaseDirectory = _dir.Path });

        var error = (await act.Should().ThrowAsync<Exception>()).Which;
        error.ToString().Should().Contain(nameof(OverflowException));
    }

    [Fact]
    public async Task HavingOnTheWindowColumns_FiltersWindows()
    {
        var rows = await Run("""
            SELECT window_start, COUNT(*) AS n
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '2' MINUTE))
            GROUP BY window_start, window_end
            HAVING window_start >= TIMESTAMP '2024-05-01 08:02:00'
            """);

        rows.Should().Equal("2024-05-01T08:02:00.000Z|3", "2024-05-01T08:10:00.000Z|1");
    }

    [Fact]
    public async Task AggregatesWithoutGroupBy_OverNoRows_GiveOneRow_AsInSql()
    {
        var rows = await Run("""
            SELECT COUNT(*) AS n, COUNT(delay) AS c, SUM(delay) AS s, AVG(price) AS a, MIN(dep_time) AS m, COUNT(DISTINCT dest) AS d
            FROM flights WHERE dest = 'XXX'
            """);
        rows.Should().Equal("0|0|NULL|NULL|NULL|0");

        (await Run("SELECT COUNT(*) AS n FROM flights WHERE dest = 'XXX' HAVING COUNT(*) = 0")).Should().Equal("0");
        (await Run("SELECT COUNT(*) AS n FROM flights WHERE dest = 'XXX' HAVING COUNT(*) > 0")).Should().BeEmpty();
        (await Run("SELECT COUNT(*) AS n FROM flights WHERE dest = 'LHR' HAVING COUNT(*) < 2")).Should().BeEmpty("HAVING refuses the real row (3)");
        (await Run("SELECT origin, COUNT(*) AS n FROM flights WHERE dest = 'XXX' GROUP BY origin")).Should().BeEmpty("a GROUP BY over no rows has no groups");
        (await Run("SELECT COUNT(*) AS n FROM flights WHERE dest = 'LHR'")).Should().Equal("3");
    }

    [Fact]
    public async Task Decimals_AreRoundedToTheScaleTheirTypeDeclares_AndShownWithIt()
    {
        // CAST to fewer decimal places and DECIMAL division kept every digit; CAST to STRING dropped trailing zeros.
        var rows = await Run("""
            SELECT CAST(price AS DECIMAL(10, 0)) AS whole, price / 3 AS third, CAST(price AS STRING) AS text, price || ' EUR' AS label
            FROM flights WHERE airline = 'AF'
            """);
        rows.Should().Equal("100|33.33|99.99|99.99 EUR", "89|29.666667|89.00|89.00 EUR");

        (await Run("SELECT origin, CAST(AVG(price) AS DECIMAL(10, 2)) AS p FROM flights GROUP BY origin"))
            .Should().Equal("AMS|221.1", "CDG|89", "LHR|415.13");
    }

    [Fact]
    public async Task CastToADecimal_HoldsItsPrecision_ARowWithMoreDigitsFails_ALiteralIsRefusedWhenPlanned()
    {
        // DECIMAL(4, 2) holds two digits before the point: 650.00 and 700.25 came out of the CAST as they were.
        (await Run("SELECT CAST(price AS DECIMAL(4, 2)) AS p FROM flights WHERE price < 100")).Should().Equal("89", "99.99");
        var act = () => SqlRunner.RunAsync(Data.CreateFlights() + "SELECT CAST(price AS DECIMAL(4, 2)) AS p FROM flights",
            new SqlRunOptions { Mode = SqlExecutionMode.Batch, BaseDirectory = _dir.Path });
        (await act.Should().ThrowAsync<Exception>()).Which.ToString()
            .Should().Contain("120.50 has more than 2 digits before the point, which CAST(price AS DECIMAL(4, 2)) holds");

        var literal = () => SqlRunner.RunAsync(Data.CreateFlights() + "SELECT CAST(123.4 AS DECIMAL(4, 2)) AS p FROM flights", new SqlRunOptions { BaseDirectory = _dir.Path });
        (await literal.Should().ThrowAsync<SqlException>()).WithMessage("*123.4 is out of the range of DECIMAL(4, 2)*");
    }

    [Fact]
    public async Task Round_ToTensAndHundreds_AndWithNullDigits_AsInSql()
    {
        // Negative digits failed the run (DECIMAL, DOUBLE) or were ignored (INT, BIGINT); NULL digits were taken as 0.
        var rows = await Run("""
            SELECT ROUND(distance, -2) AS d, ROUND(price, -1) AS p, ROUND(delay, CAST(NULL AS INT)) AS n, ROUND(price, 30) AS same, ROUND(CAST(price AS DOUBLE), -2) AS dp
            FROM flights WHERE airline = 'BA'
            """);
        rows.Should().Equal("400|110|NULL|110|100", "400|130|NULL|130|100", "5500|700|NULL|700.25|700");
    }

    [Fact]
    public async Task Substring_WithANullLength_IsNull()
    {
        var rows = await Run("SELECT SUBSTRING(origin, 2, CAST(NULL AS INT)) AS s, SUBSTRING(origin, 2) AS rest, SUBSTRING(origin, 2, 1) AS one FROM flights WHERE airline = 'AF'");
        rows.Should().Equal("NULL|DG|D", "NULL|MS|M");
    }

    [Fact]
    public async Task AWindowColumnInsideAnAggregate_OverABoundedTable_IsRead()
    {
        // It failed with an index out of range: the rows were grouped before they had their window columns.
        var rows = await Run("""
            SELECT window_start, MAX(window_end) AS e, SUM(CASE WHEN dep_time < window_start + INTERVAL '30' SECOND THEN 1 ELSE 0 END) AS early
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end
            """);
        rows.Should().Equal(
            "2024-05-01T08:00:00.000Z|2024-05-01T08:01:00.000Z|1",
            "2024-05-01T08:01:00.000Z|2024-05-01T08:02:00.000Z|1",
            "2024-05-01T08:02:00.000Z|2024-05-01T08:03:00.000Z|1",
            "2024-05-01T08:03:00.000Z|2024-05-01T08:04:00.000Z|0",
            "2024-05-01T08:10:00.000Z|2024-05-01T08:11:00.000Z|1");
    }

    [Fact]
    public async Task StringFunctions_FollowFlink_AndLikeDoesNotMatchBeforeAFinalNewline()
    {
        // SUBSTRING('hello', -2) gave 'hello', SUBSTRING('hello', 0, 2) 'h', a negative length ''; TRIM removed tabs
        // and line ends; LIKE '%error' matched 'disk error' followed by a newline.
        var rows = await Run("SELECT SUBSTRING('hello', -2) AS a, SUBSTRING('hello', 0, 2) AS b, SUBSTRING('hello', -3, 2) AS c, SUBSTRING('hello', 1, -1) IS NULL AS d, " +
            "SUBSTRING('hi', -5) AS e, CHAR_LENGTH(TRIM(' \tx\t ')) AS f, 'disk error\n' LIKE '%error' AS g, 'disk error' LIKE '%error' AS h, origin LIKE '%MS' AS i " +
            "FROM flights WHERE dest = 'CDG' AND origin = 'AMS'");
        rows.Should().Equal("lo|he|ll|true||3|false|true|true");
    }

    [Fact]
    public async Task SelectStar_OverAJoin_GivesEveryColumnOfBothSides()
    {
        var rows = await Run("SELECT * FROM airlines a JOIN airlines b ON a.code = b.code WHERE a.code = 'KL'");
        rows.Should().Equal("KL|KLM|KL|KLM");
    }

    [Fact]
    public async Task WindowTime_OfAGroupByWithAWhereOnTheWindowColumns_IsTheWindowsEndLessAMillisecond()
    {
        // A WHERE on the window columns over a bounded table gives the rows their window columns before grouping;
        // window_time was then "neither grouped nor aggregated", though it is without the WHERE.
        var rows = await Run("""
            SELECT window_start, window_time, COUNT(*) AS n
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '5' MINUTE))
            WHERE window_start >= TIMESTAMP '2024-05-01 08:00:00'
            GROUP BY window_start, window_end
            """);
        rows.Should().Equal(
            "2024-05-01T08:00:00.000Z|2024-05-01T08:04:59.999Z|7",
            "2024-05-01T08:10:00.000Z|2024-05-01T08:14:59.999Z|1");
    }
}
