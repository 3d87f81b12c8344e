namespace Pipelines.Sql.Tests;

public sealed class BinderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqlEnvironment _env;

    public BinderTests()
    {
        _dir.File("flights.csv", Data.Flights);
        _dir.File("airlines.csv", Data.Airlines);
        _env = new SqlEnvironment { BaseDirectory = _dir.Path };
        _env.Execute(Data.CreateFlights() + Data.CreateAirlines);
        _env.Execute(Data.CreateFlights(path: "flights.csv", extra: ", 'source.monitor-interval' = '1 s'").Replace("TABLE flights", "TABLE live", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();

    private SqlException Error(string sql)
    {
        var act = () => _env.Execute(sql);
        return act.Should().Throw<SqlException>().Which;
    }

    [Fact]
    public void ArgumentsOfTheWrongType_AndDecimalLiteralsTooLong_ArePositionedErrors()
    {
        // They surfaced as internal errors (no coercion operator, an overflow) with no position.
        Error("SELECT SUBSTRING(origin, '2') FROM flights").Message.Should().Be("line 1, column 26: the start of SUBSTRING is a whole number, but '2' is STRING.");
        Error("SELECT ROUND(price, TRUE) FROM flights").Message.Should().Be("line 1, column 21: the digits of ROUND is a whole number, but TRUE is BOOLEAN.");
        Error("SELECT 123456789012345678901234567890.5 FROM flights").Message.Should().StartWith("line 1, column 8: the number 123456789012345678901234567890.5 is too large for DECIMAL");
    }

    [Fact]
    public void AWindowColumnInsideAnAggregate_OverAnUnboundedTable_IsAPositionedError()
    {
        // The rows of a streaming windowed GROUP BY have no window columns before they are grouped: it failed with an
        // index out of range when the first row came.
        var error = Error("""
            SELECT window_start, SUM(CASE WHEN dep_time < window_start + INTERVAL '30' SECOND THEN 1 ELSE 0 END) AS early
            FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end
            """);
        error.Message.Should().StartWith("line 1, column 26: CASE WHEN").And.Contain("reads a window column").And.Contain("outside the aggregates' arguments");
    }

    [Fact]
    public void UnknownColumn_SuggestsTheClosest() =>
        Error("SELECT orign FROM flights").Message.Should().Be("line 1, column 8: unknown column 'orign' in table 'flights'; did you mean 'origin'?");

    [Fact]
    public void UnknownTable_SuggestsTheClosest() =>
        Error("SELECT origin FROM flight").Message.Should().Be("line 1, column 20: unknown table 'flight'; did you mean 'flights'?");

    [Fact]
    public void UnknownFunctionAliasAndSetting_SuggestTheClosest()
    {
        Error("SELECT UPER(origin) FROM flights").Message.Should().EndWith("unknown function 'UPER'; did you mean 'UPPER'?");
        Error("SELECT g.origin FROM flights f").Message.Should().EndWith("unknown table or alias 'g'; did you mean 'f'?");
        Error("SET 'parallelism.defualt' = '2'").Message.Should().Contain("did you mean 'parallelism.default'?");
        Error("CREATE TABLE x (a INT) WITH ('connector' = 'filesystem', 'pth' = 'x.csv', 'format' = 'csv')").Message.Should().Contain("did you mean 'path'?");
        Error("SELECT x.origin FROM flights x JOIN airlines y ON x.airline = y.cod").Message.Should().EndWith("unknown column 'cod' in the join of 'flights', 'airlines'; did you mean 'code'?");
    }

    [Fact]
    public void TypeErrors_NameTheTypes()
    {
        Error("SELECT origin + 1 FROM flights").Message.Should().Be("line 1, column 15: '+' needs numbers, but origin is STRING and 1 is INT.");
        Error("SELECT origin FROM flights WHERE delay").Message.Should().Be("line 1, column 34: WHERE needs a BOOLEAN condition, but delay is INT.");
        Error("SELECT origin FROM flights WHERE dep_time > 5").Message.Should().Contain("cannot compare TIMESTAMP(3) with INT");
        Error("SELECT SUM(origin) FROM flights").Message.Should().Contain("SUM needs a number, but origin is STRING.");
        Error("SELECT origin, COUNT(*) FROM flights GROUP BY dest").Message.Should().Contain("column 'origin' is neither grouped nor aggregated: add it to GROUP BY, or aggregate it, as in MAX(origin).");
    }

    [Fact]
    public void ResultColumns_NeedDistinctNames() =>
        Error("SELECT f.origin, a.name, f.dest AS origin FROM flights f JOIN airlines a ON f.airline = a.code").Message
            .Should().Be("line 1, column 26: the result would have two columns named 'origin'; give one an alias (… AS origin_2), so that every column of the result has its own name.");

    [Fact]
    public void ResultTypes_FollowTheRules()
    {
        var query = _env.Query("""
            SELECT delay + 1 AS a, delay + distance AS b, delay + price AS c, delay * 1.5e0 AS d, COUNT(*) AS e, AVG(delay) AS f, SUM(price) AS g,
                   CAST(delay AS STRING) AS h, dep_time + INTERVAL '1' MINUTE AS i, MAX(dep_time) AS j, delay > 1 AS k
            FROM flights GROUP BY delay, distance, price, dep_time
            """);
        query.Schema.Columns.Select(c => $"{c.Name} {c.Type}").Should().Equal(
            "a INT", "b BIGINT", "c DECIMAL(28, 2)", "d DOUBLE", "e BIGINT", "f DOUBLE", "g DECIMAL(28, 2)", "h STRING", "i TIMESTAMP(3)", "j TIMESTAMP(3)", "k BOOLEAN");
    }

    [Fact]
    public void UnboundedState_IsRefusedWithWhatToWriteInstead()
    {
        var groupBy = Error("SELECT origin, COUNT(*) FROM live GROUP BY origin").Message;
        groupBy.Should().Contain("GROUP BY without a window over the unbounded table 'live' would keep a result for every key forever");
        groupBy.Should().Contain("FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end");

        var orderBy = Error("SELECT origin FROM live ORDER BY origin").Message;
        orderBy.Should().Contain("ORDER BY needs the whole result, and the unbounded table 'live' never ends");

        var join = Error("SELECT a.origin FROM live a JOIN live b ON a.origin = b.dest").Message;
        join.Should().Contain("a regular join of the unbounded table 'live' would keep every row of both sides forever").And.Contain("interval join");

        // The same queries over the bounded table are fine.
        _env.Execute("SELECT origin, COUNT(*) FROM flights GROUP BY origin; SELECT origin FROM flights ORDER BY origin; SELECT a.origin FROM flights a JOIN flights b ON a.origin = b.dest");
    }

    [Fact]
    public void Windows_AreCheckedAgainstTheTimeAttribute()
    {
        Error("SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE airlines, DESCRIPTOR(code), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
            .Message.Should().Contain("table 'airlines' has no time attribute, so it cannot be windowed: declare one in its CREATE TABLE");
        Error("SELECT origin, COUNT(*) FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) GROUP BY origin")
            .Message.Should().Contain("must GROUP BY window_start, window_end");
        Error("SELECT COUNT(*) FROM TABLE(CUMULATE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '2' MINUTE, INTERVAL '5' MINUTE)) GROUP BY window_start, window_end")
            .Message.Should().Contain("CUMULATE: A cumulating window's step must divide its size");
        Error("SELECT COUNT(*) FROM TABLE(CUMULATE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
            .Message.Should().Contain("CUMULATE needs the maximum window size as an INTERVAL argument 4");
        Error("SELECT COUNT(*) FROM TABLE(HOP(TABLE live, DESCRIPTOR(dep_time), INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
            .Message.Should().Contain("slide must not be larger than its size");
    }

    [Fact]
    public void Explain_ShowsTheOperators()
    {
        _env.Execute("SET 'table.exec.allowed-lateness' = '30 s'");
        string plan = _env.Explain("EXPLAIN SELECT origin, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) WHERE delay > 0 GROUP BY origin, window_start, window_end");
        plan.Should().Contain("Source table live (csv ").And.Contain("unbounded");
        plan.Should().Contain("Where (delay > 0)").And.Contain("KeyBy origin").And.Contain("Window TUMBLE(00:01:00), allowed lateness 00:00:30").And.Contain("Aggregate COUNT(*)");
        plan.Should().Contain("== Pipeline ==").And.Contain("aggregate COUNT(*) by origin, window_start, window_end <- where (delay > 0)").And.Contain("read ");
    }

    [Fact]
    public void WhereOnTheWindowColumns_OfAWindowedGroupByOverAnUnboundedTable_SaysToFilterThemInHaving()
    {
        var error = Error("""
            SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE live, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE))
            WHERE window_start >= TIMESTAMP '2024-05-01 08:00:00'
            GROUP BY window_start, window_end
            """);

        (error.Line, error.Column).Should().Be((2, 7));
        error.Message.Should().Contain("WHERE filters the window columns").And.Contain("in HAVING");
    }

    [Fact]
    public void WhereOnTheWindowColumns_OfSessions_IsAPositionedError()
    {
        var error = Error("""
            SELECT window_start, COUNT(*) AS n FROM TABLE(SESSION(TABLE flights PARTITION BY origin, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE))
            WHERE window_end > TIMESTAMP '2024-05-01 08:00:00'
            GROUP BY window_start, window_end, origin
            """);

        (error.Line, error.Column).Should().Be((2, 7));
        error.Message.Should().Contain("SESSION windows").And.Contain("in HAVING");
    }

    [Fact]
    public void AnInsertThatWouldDropAFraction_IsRefused_UntilACastSaysHow()
    {
        // A DOUBLE average went into an INT column truncated (39.7 as 39), and a price into a whole number, silently.
        _env.Execute("CREATE TABLE per_origin (origin STRING, avg_delay INT, total BIGINT, flights INT) WITH ('connector' = 'filesystem', 'path' = 'per_origin', 'format' = 'json');");
        Error("INSERT INTO per_origin SELECT origin, AVG(delay), SUM(distance), COUNT(*) FROM flights GROUP BY origin").Message.Should().Be(
            "line 1, column 1: column 2 of the SELECT (EXPR$1 DOUBLE) would lose its fraction in column 'avg_delay' INT of table 'per_origin'; " +
            "say how with a CAST: CAST(x AS INT) truncates, CAST(ROUND(x) AS INT) rounds.");
        Error("INSERT INTO per_origin SELECT origin, 1, SUM(price), COUNT(*) FROM flights GROUP BY origin").Message.Should().Contain("column 3 of the SELECT").And.Contain("DECIMAL(28, 2)");

        // Said how, or whole numbers (a BIGINT count into an INT column fails a row only if it does not fit): accepted.
        _env.Execute("INSERT INTO per_origin SELECT origin, CAST(ROUND(AVG(delay)) AS INT), SUM(distance), COUNT(*) FROM flights GROUP BY origin");
    }

    [Fact]
    public void AGroupingKeyIsFoundByItsText_WithStringLiteralsComparedExactly()
    {
        // The text was compared ignoring case everywhere: a select item with 'unknown' was given the key's 'Unknown'.
        Error("SELECT COALESCE(airline, 'unknown') AS a, COUNT(*) FROM flights GROUP BY COALESCE(airline, 'Unknown')").Message.Should().Contain("airline").And.Contain("GROUP BY");
        _env.Query("select coalesce(airline, 'Unknown') AS a, COUNT(*) AS n FROM flights GROUP BY COALESCE(airline, 'Unknown') order by COALESCE(AIRLINE, 'Unknown')")
            .Schema.Columns.Select(c => c.Name).Should().Equal("a", "n");
    }

    [Fact]
    public void ATimeFunctionOfANumber_IsAPositionedError_NotAnEpochMillisecond()
    {
        // YEAR(delay) read the INT as epoch milliseconds and gave 1970 for every row.
        Error("SELECT YEAR(delay) FROM flights").Message.Should().Be("line 1, column 13: YEAR takes a TIMESTAMP or a DATE, but delay is INT.");
        Error("SELECT DATE_FORMAT(distance, 'yyyy') FROM flights").Message.Should().Contain("DATE_FORMAT takes a TIMESTAMP or a DATE, but distance is BIGINT");
        _env.Query("SELECT YEAR(dep_time) AS y, HOUR(TO_DATE(dep_time)) AS h, MONTH('2024-05-01 10:00:00') AS m FROM flights").Schema.Columns.Select(c => c.Name).Should().Equal("y", "h", "m");
    }

    [Fact]
    public void ACastNoValueOfItsTypeSurvives_IsAPositionedError_NotAFailureOfTheFirstRow()
    {
        Error("SELECT CAST(dep_time AS INT) FROM flights").Message.Should().Be("line 1, column 8: dep_time is TIMESTAMP(3), which cannot be cast to INT (CAST to BIGINT gives its epoch milliseconds).");
        Error("SELECT CAST(delay > 5 AS DATE) FROM flights").Message.Should().Contain("cannot be cast to DATE");
        Error("SELECT CAST(price AS TIMESTAMP(3)) FROM flights").Message.Should().Contain("price is DECIMAL(10, 2), which cannot be cast to TIMESTAMP");

        // What converts still does.
        _env.Query("SELECT CAST(dep_time AS BIGINT) AS ms, CAST(dep_time AS DATE) AS d, CAST(dep_time AS STRING) AS s, CAST(distance AS TIMESTAMP(3)) AS t, CAST(delay AS BOOLEAN) AS b FROM flights")
            .Schema.Columns.Select(c => c.Name).Should().Equal("ms", "d", "s", "t", "b");
    }

    [Fact]
    public void SelectDistinct_AndNullsFirst_ArePositionedErrorsWhereTheyCannotApply()
    {
        // They were "expected an expression, but found the keyword DISTINCT" and "expected ';' … found NULLS".
        Error("SELECT DISTINCT * FROM flights").Message.Should().Be("line 1, column 8: SELECT DISTINCT needs its columns listed, not *.");
        Error("SELECT DISTINCT origin FROM flights GROUP BY origin").Message.Should().Contain("SELECT DISTINCT cannot be combined with GROUP BY");
        Error("SELECT origin FROM flights ORDER BY origin NULLS").Message.Should().Contain("FIRST or LAST after NULLS");
        _env.Query("SELECT ALL origin FROM flights ORDER BY origin NULLS LAST").Schema.Columns.Select(c => c.Name).Should().Equal("origin");
    }

    [Fact]
    public void ADurationWithoutAUnit_IsMilliseconds_AsInFlink()
    {
        Planning.SqlSettings.ParseDuration("5000").Should().Be(TimeSpan.FromSeconds(5));
        Planning.SqlSettings.ParseDuration("5 s").Should().Be(TimeSpan.FromSeconds(5));
        Planning.SqlSettings.ParseDuration("250ms").Should().Be(TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public void SettingsOutOfRange_ArePositionedErrors_NotCrashes()
    {
        Error("SET 'table.exec.allowed-lateness' = '99999999 d'").Message.Should().Be("line 1, column 1: '99999999 d' is not a valid value for 'table.exec.allowed-lateness': expected a duration of at most 10,675,199 days.");
        Error("SET 'execution.checkpointing.interval' = '0 s'").Message.Should().EndWith("expected a positive duration such as '10 s'.");
    }

    [Fact]
    public void SelectStar_OverSidesWithTheSameColumnNames_NumbersTheRepeatedNames_AsFlinkDoes()
    {
        // It was refused ("two columns named 'origin'"), and * cannot take an alias.
        _env.Query("SELECT * FROM flights a JOIN flights b ON a.origin = b.dest").Schema.Columns.Select(c => c.Name).Should().Equal(
            "origin", "dest", "airline", "delay", "distance", "price", "dep_time", "origin0", "dest0", "airline0", "delay0", "distance0", "price0", "dep_time0");
        _env.Query("SELECT a.origin, b.* FROM flights a JOIN airlines b ON a.airline = b.code").Schema.Columns.Select(c => c.Name).Should().Equal("origin", "code", "name");
        _env.Query("SELECT a.*, b.name FROM flights a JOIN airlines b ON a.airline = b.code").Schema.Columns.Count.Should().Be(8);

        // A name given in the select list stays a name given: two of them are still refused.
        Error("SELECT *, dest AS origin FROM flights").Message.Should().Contain("two columns named 'origin'");
    }

    [Fact]
    public void WindowColumns_QualifiedWithTheWindowedTablesAlias_AreGroupingColumns()
    {
        // w.window_start in the select list was "neither grouped nor aggregated", though it was in GROUP BY.
        var query = _env.Query("""
            SELECT w.window_start, w.window_end, COUNT(*) AS n
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE)) w GROUP BY w.window_start, w.window_end
            """);
        query.Schema.Columns.Select(c => $"{c.Name} {c.Type}").Should().Equal("window_start TIMESTAMP(3)", "window_end TIMESTAMP(3)", "n BIGINT");
    }

    [Fact]
    public void LiteralsThatAreNotValuesOfTheirType_AreErrorsWhenTheQueryIsPlanned_AtTheirPosition()
    {
        // They failed the run at its first row, with no position (and not at all over an empty input).
        Error("SELECT origin FROM flights WHERE dep_time > '05/01/2024 08:00'").Message
            .Should().Be("line 1, column 43: '05/01/2024 08:00' is not a TIMESTAMP(3): write yyyy-MM-dd HH:mm:ss[.fff] or ISO-8601, in dep_time > '05/01/2024 08:00'.");
        Error("SELECT CAST('abc' AS INT) FROM flights").Message.Should().Be("line 1, column 8: 'abc' is not an INT, in CAST('abc' AS INT).");
        Error("SELECT CAST(1e10 AS INT) FROM flights").Message.Should().StartWith("line 1, column 8: 10000000000 is out of the range of INT, in CAST(");
        Error("SELECT CAST('NaN' AS DOUBLE) + CAST(CAST('NaN' AS DOUBLE) AS BIGINT) FROM flights").Message.Should().Contain("is out of the range of BIGINT");

        // A literal that is a value of its type is converted once, when the query is planned.
        _env.Query("SELECT origin FROM flights WHERE dep_time > '2024-05-01 08:02:00' AND delay > CAST('3' AS INT)").Schema.Columns.Should().ContainSingle();
    }

    [Fact]
    public void ANumberRunIntoAName_AndAnIntervalTooLong_AreErrors()
    {
        // "1st" read as 1 AS st, "0x1F" as 0 AS x1F; the interval overflowed with a raw OverflowException.
        Error("SELECT 1st FROM flights").Message.Should().StartWith("line 1, column 8: '1st' is neither a number nor a name");
        Error("SELECT 0x1F FROM flights").Message.Should().StartWith("line 1, column 8: '0x1F' is neither a number nor a name");
        Error("SELECT dep_time + INTERVAL '999999999999' DAY FROM flights").Message.Should().StartWith("line 1, column 28: INTERVAL '999999999999' DAY is longer than the longest interval");
    }

    [Fact]
    public void ReadingAFileTableThatAnEarlierInsertOfTheScriptWrites_IsRefused()
    {
        // The script runs as one pipeline, which lists the table's files before anything is written: the SELECT read
        // what an earlier run left there (or nothing), silently.
        var env = new SqlEnvironment { BaseDirectory = _dir.Path };
        env.Execute(Data.CreateFlights() + "CREATE TABLE copy (origin STRING) WITH ('connector' = 'filesystem', 'path' = 'copy', 'format' = 'json');");
        env.Execute("INSERT INTO copy SELECT origin FROM flights");
        var act = () => env.Execute("SELECT COUNT(*) FROM copy");
        act.Should().Throw<SqlException>().WithMessage("line 1, column 22: table 'copy' is both written by an INSERT INTO of this script and read by one of its queries*");

        // Nor a table that reads itself, nor one read before the INSERT that writes it.
        var itself = new SqlEnvironment { BaseDirectory = _dir.Path };
        itself.Execute("CREATE TABLE copy (origin STRING) WITH ('connector' = 'filesystem', 'path' = 'copy', 'format' = 'json');");
        var self = () => itself.Execute("INSERT INTO copy SELECT origin FROM copy");
        self.Should().Throw<SqlException>().WithMessage("*table 'copy' is both written*");
        var before = new SqlEnvironment { BaseDirectory = _dir.Path };
        before.Execute(Data.CreateFlights() + "CREATE TABLE copy (origin STRING) WITH ('connector' = 'filesystem', 'path' = 'copy', 'format' = 'json'); SELECT COUNT(*) FROM copy;");
        var then = () => before.Execute("INSERT INTO copy SELECT origin FROM flights");
        then.Should().Throw<SqlException>().WithMessage("line 1, column 13: table 'copy' is both written*");

        // Another environment (a later run) reads it.
        var later = new SqlEnvironment { BaseDirectory = _dir.Path };
        later.Execute("CREATE TABLE copy (origin STRING) WITH ('connector' = 'filesystem', 'path' = 'copy', 'format' = 'json');");
        later.Query("SELECT COUNT(*) FROM copy").Schema.Columns.Should().ContainSingle();
    }

    [Fact]
    public void ACsvFieldDelimiterOfMoreThanOneCharacter_IsAnError_AndBackslashTIsATab()
    {
        // It was replaced by ',' without a word.
        var env = new SqlEnvironment { BaseDirectory = _dir.Path };
        var act = () => env.Execute("CREATE TABLE t (a STRING) WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv', 'csv.field-delimiter' = ';;')");
        act.Should().Throw<SqlException>().WithMessage("*table 't': 'csv.field-delimiter' = ';;' is not one character; write a single character, or '\\t' for a tab.");
    }
}
