using System.Text.Json;

namespace Pipelines.Sql.Tests;

public sealed class TableTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public sealed record Click(string User, string Page, int Millis, DateTimeOffset Time);

    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private static List<Click> Clicks() =>
    [
        new("ann", "/a", 10, T0.AddSeconds(1)),
        new("bob", "/a", 20, T0.AddSeconds(3)),
        new("ann", "/b", 30, T0.AddSeconds(2)),
        new("ann", "/a", 40, T0.AddSeconds(65)),
        new("cid", "/c", 50, T0.AddSeconds(61)),
        new("bob", "/b", 60, T0.AddSeconds(130)),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RegisteredStream_IsATable_AndTheResultIsAStream(bool streaming)
    {
        var builder = new PipelineBuilder();
        var clicks = builder.From(Sources.Enumerable(Clicks())).WithEventTime(c => c.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)));
        var env = new SqlEnvironment(builder);
        env.RegisterTable("clicks", clicks, isBounded: true, timeColumn: "Time");
        var query = env.Query("""
            SELECT `User`, window_start, COUNT(*) AS n, SUM(Millis) AS ms
            FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Time), INTERVAL '1' MINUTE))
            GROUP BY `User`, window_start, window_end
            """);
        query.Schema.Columns.Select(c => c.Name).Should().Equal("User", "window_start", "n", "ms");
        var results = new List<string>();
        query.Stream.Select(r => $"{r[0]} {r[1]:HH:mm} {r[2]} {r[3]}").To(Sinks.Collection(results));
        var pipeline = builder.Build();
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(pipeline);
        else await new BoundedExecutor().RunAsync(pipeline);
        results.Order(StringComparer.Ordinal).Should().Equal("ann 08:00 2 40", "ann 08:01 1 40", "bob 08:00 1 20", "bob 08:02 1 60", "cid 08:01 1 50");
    }

    [Fact]
    public async Task InsertInto_WritesJsonLines_ThatReadBackAsATable_FromTheSamePath()
    {
        _dir.File("flights.csv", Data.Flights);
        var write = await SqlRunner.RunAsync(Data.CreateFlights() + """
            CREATE TABLE per_origin (origin STRING, window_start TIMESTAMP(3), n BIGINT, avg_delay DOUBLE)
              WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
            INSERT INTO per_origin
            SELECT origin, window_start, COUNT(*), AVG(delay) FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '5' MINUTE))
            GROUP BY origin, window_start, window_end;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        write.Summary!.ResultsWritten.Should().Be(4);
        var lines = Directory.GetFiles(Path.Combine(_dir.Path, "out")).SelectMany(File.ReadAllLines).Order(StringComparer.Ordinal).ToList();
        lines.Should().HaveCount(4);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            first.RootElement.GetProperty("window_start").GetString().Should().Be("2024-05-01T08:00:00.000Z");
            first.RootElement.GetProperty("n").GetInt64().Should().Be(4);
        }

        // The table's path is the directory INSERT INTO wrote: it reads every file in it.
        var read = await SqlRunner.RunAsync("""
            CREATE TABLE per_origin (origin STRING, window_start TIMESTAMP(3), n BIGINT, avg_delay DOUBLE)
              WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
            SELECT origin, SUM(n) AS n FROM per_origin GROUP BY origin ORDER BY origin
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        Both.Lines(read.Results[0].Rows).Should().Equal("AMS|5", "CDG|1", "LHR|2");
    }

    [Fact]
    public async Task InsertInto_ADecimalWithMoreDigitsThanItsColumnHolds_FailsItsRow_NamingTheColumn()
    {
        // DECIMAL(5, 2) holds three digits before the point: 1105.49 was written into it as it was.
        _dir.File("flights.csv", Data.Flights);
        var act = () => SqlRunner.RunAsync(Data.CreateFlights() + """
            CREATE TABLE totals (origin STRING, total DECIMAL(5, 2)) WITH ('connector' = 'filesystem', 'path' = 'totals', 'format' = 'json');
            INSERT INTO totals SELECT origin, SUM(price) FROM flights GROUP BY origin;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("1105.49 has more than 3 digits before the point, which column 'total' holds");
    }

    [Fact]
    public async Task InsertInto_ANullWithoutAType_TakesTheColumnsType()
    {
        // SELECT NULL was typed STRING and refused for an INT column.
        _dir.File("flights.csv", Data.Flights);
        await SqlRunner.RunAsync(Data.CreateFlights() + """
            CREATE TABLE out (origin STRING, delay INT) WITH ('connector' = 'filesystem', 'path' = 'nulls', 'format' = 'json');
            INSERT INTO out SELECT origin, NULL FROM flights WHERE airline = 'AF';
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        var lines = Directory.GetFiles(Path.Combine(_dir.Path, "nulls")).SelectMany(File.ReadAllLines).Order(StringComparer.Ordinal).ToList();
        lines.Should().Equal("{\"origin\":\"AMS\",\"delay\":null}", "{\"origin\":\"CDG\",\"delay\":null}");
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("streaming")]
    public async Task InsertInto_AnAggregateWithoutGroupByOverNoRows_WritesItsOneRow(string mode)
    {
        // As SQL has it (and the collected SELECT gave): COUNT(*) 0 and SUM NULL; INSERT INTO wrote no row at all.
        _dir.File("flights.csv", Data.Flights);
        await SqlRunner.RunAsync(Data.CreateFlights() + $"""
            SET 'execution.runtime-mode' = '{mode}';
            SET 'parallelism.default' = '2';
            CREATE TABLE totals (n BIGINT, delay BIGINT) WITH ('connector' = 'filesystem', 'path' = 'none', 'format' = 'json');
            CREATE TABLE found (n BIGINT, delay BIGINT) WITH ('connector' = 'filesystem', 'path' = 'some', 'format' = 'json');
            CREATE TABLE refused (n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'having', 'format' = 'json');
            INSERT INTO totals SELECT COUNT(*), SUM(delay) FROM flights WHERE dest = 'XXX';
            INSERT INTO found SELECT COUNT(*), SUM(delay) FROM flights WHERE dest = 'LHR';
            INSERT INTO refused SELECT COUNT(*) FROM flights WHERE dest = 'XXX' HAVING COUNT(*) > 0;
            CREATE TABLE real_refused (n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'real', 'format' = 'json');
            INSERT INTO real_refused SELECT COUNT(*) FROM flights WHERE dest = 'LHR' HAVING COUNT(*) < 2;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });

        string[] Lines(string dir) => Directory.Exists(Path.Combine(_dir.Path, dir)) ? [.. Directory.GetFiles(Path.Combine(_dir.Path, dir)).SelectMany(File.ReadAllLines)] : [];
        Lines("none").Should().Equal("{\"n\":0,\"delay\":null}");
        Lines("some").Should().ContainSingle().Which.Should().StartWith("{\"n\":3,");
        Lines("having").Should().BeEmpty("HAVING refuses the empty row");
        Lines("real").Should().BeEmpty("HAVING refuses the real row, and the empty row only stands for no row at all");
    }

    [Fact]
    public async Task Parquet_InsertInto_ThenSelect_OnBothExecutors()
    {
        _dir.File("flights.csv", Data.Flights);
        await SqlRunner.RunAsync(Data.CreateFlights() + """
            CREATE TABLE archive (origin STRING, delay INT, price DECIMAL(10, 2), dep_time TIMESTAMP(3), ok BOOLEAN, day DATE)
              WITH ('connector' = 'filesystem', 'path' = 'archive', 'format' = 'parquet');
            INSERT INTO archive SELECT origin, delay, price, dep_time, delay < 10, TO_DATE(dep_time) FROM flights;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        Directory.GetFiles(Path.Combine(_dir.Path, "archive"), "*.parquet").Should().ContainSingle();

        var rows = await Both.RunAsync("""
            CREATE TABLE archive (origin STRING, delay BIGINT, price DECIMAL(10, 2), dep_time TIMESTAMP(3), ok BOOLEAN, day DATE,
              WATERMARK FOR dep_time AS dep_time - INTERVAL '5' SECOND)
              WITH ('connector' = 'filesystem', 'path' = 'archive/*.parquet', 'format' = 'parquet');
            SELECT window_start, origin, COUNT(*) AS n, SUM(delay) AS d, MAX(price) AS p, COUNT(DISTINCT ok) AS oks, MIN(day) AS day
            FROM TABLE(TUMBLE(TABLE archive, DESCRIPTOR(dep_time), INTERVAL '5' MINUTE)) GROUP BY window_start, window_end, origin
            """, _dir.Path);
        rows.Should().Equal(
            "2024-05-01T08:00:00.000Z|AMS|4|2|650|1|2024-05-01",
            "2024-05-01T08:00:00.000Z|CDG|1|25|89|1|2024-05-01",
            "2024-05-01T08:00:00.000Z|LHR|2|52|700.25|1|2024-05-01",
            "2024-05-01T08:10:00.000Z|AMS|1|7|125|1|2024-05-01");
    }

    [Fact]
    public async Task Csv_WithoutHeader_IsReadByPosition_AndJsonByKey()
    {
        _dir.File("plain.csv", "1,x,2024-05-01T08:00:00Z\n2,y,2024-05-01 09:30:00.5\n");
        _dir.File("events.jsonl", "{\"id\": 1, \"name\": \"x\", \"at\": \"2024-05-01T10:00:00+02:00\", \"extra\": true}\n{\"ID\": 2, \"at\": null}\n");
        var rows = await Both.RunAsync("""
            CREATE TABLE plain (id INT, name STRING, at TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = 'plain.csv', 'format' = 'csv', 'csv.header' = 'false');
            CREATE TABLE events (id BIGINT, name STRING, at TIMESTAMP_LTZ(3)) WITH ('connector' = 'filesystem', 'path' = 'events.jsonl', 'format' = 'json');
            SELECT p.id, p.name, p.at, e.at AS event_at, e.name AS event_name FROM plain p JOIN events e ON p.id = e.id
            """, _dir.Path);
        rows.Should().Equal(
            "1|x|2024-05-01T08:00:00.000Z|2024-05-01T08:00:00.000Z|x",
            "2|y|2024-05-01T09:30:00.500Z|NULL|NULL");
    }

    [Fact]
    public async Task BadField_FailsTheRun_NamingTableColumnAndValue()
    {
        _dir.File("bad.csv", "id,amount\n1,10\n2,ten\n");
        var act = () => SqlRunner.RunAsync("""
            CREATE TABLE t (id INT, amount INT) WITH ('connector' = 'filesystem', 'path' = 'bad.csv', 'format' = 'csv');
            SELECT * FROM t
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        (await act.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*table 't', column 'amount': 'ten' is not an INT*");
    }

    [Fact]
    public async Task ACsvTable_WithBackslashTAsItsDelimiter_ReadsTabSeparatedFields()
    {
        // '\t' (Flink's spelling) is two characters, and was replaced by ',': every line was one field.
        _dir.File("tabs.tsv", "name\tn\nann\t1\nbob\t2\n");
        var result = await SqlRunner.RunAsync("""
            CREATE TABLE tabs (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'tabs.tsv', 'format' = 'csv', 'csv.field-delimiter' = '\t');
            SELECT name, n * 10 FROM tabs;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        Both.Lines(result.Results[0].Rows).Order(StringComparer.Ordinal).Should().Equal("ann|10", "bob|20");
    }
}
