using System.Text.Json;

namespace Pipelines.Sql.Tests;

public sealed class KafkaTableTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly KafkaMock _kafka = new();

    public void Dispose()
    {
        _kafka.Dispose();
        _dir.Dispose();
    }

    private const string WindowedCount = """
        SELECT origin, window_start, COUNT(*) AS n, SUM(delay) AS delay
        FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '1' MINUTE))
        WHERE origin <> 'END'
        GROUP BY origin, window_start, window_end
        """;

    private string CreateKafkaFlights(string topic, string format, string startup = "earliest-offset") => $"""
        CREATE TABLE flights (
          origin STRING, dest STRING, airline STRING, delay INT, distance BIGINT, price DECIMAL(10, 2), dep_time TIMESTAMP(3),
          WATERMARK FOR dep_time AS dep_time - INTERVAL '5' SECOND
        ) WITH ('connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{_kafka.BootstrapServers}',
                'properties.group.id' = '{KafkaMock.UniqueName("sql")}', 'scan.startup.mode' = '{startup}', 'format' = '{format}');
        """;

    /// <summary>The flights of <see cref="Data.Flights"/> as Kafka values, then an 'END' flight far later that closes every window.</summary>
    private static List<string> FlightValues(string format)
    {
        var lines = Data.Flights.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).Append("END,END,XX,0,0,0,2024-05-01 09:00:00").ToList();
        if (format == "csv") return lines;
        string[] names = ["origin", "dest", "airline", "delay", "distance", "price", "dep_time"];
        return lines.Select(line =>
        {
            var fields = line.Split(',');
            var json = new Dictionary<string, object?>();
            for (int i = 0; i < names.Length; i++)
            {
                json[names[i]] = names[i] switch
                {
                    "delay" or "distance" => fields[i].Length == 0 ? null : long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture),
                    "price" => decimal.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture),
                    _ => fields[i],
                };
            }
            return JsonSerializer.Serialize(json);
        }).ToList();
    }

    /// <summary>Runs a streaming script over Kafka until the first result set has <paramref name="expected"/> rows, then drains it.</summary>
    private static async Task<SqlRunResult> RunUntilAsync(string script, int expected)
    {
        using var stop = new CancellationTokenSource();
        int seen = 0;
        var run = SqlRunner.RunAsync(script, new SqlRunOptions
        {
            OnRow = (_, _) =>
            {
                if (Interlocked.Increment(ref seen) >= expected) stop.Cancel();
            },
            Streaming = new StreamingOptions { Parallelism = 2 },
        }, stop.Token);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        finished.Should().BeSameAs(run, $"the query should give {expected} rows within a minute (it gave {seen})");
        return await run;
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public async Task WindowedCount_OverAKafkaTable_EqualsTheSameQueryOverAFile(string format)
    {
        _dir.File("flights.csv", Data.Flights);
        var file = await SqlRunner.RunAsync(Data.CreateFlights() + WindowedCount, new SqlRunOptions { BaseDirectory = _dir.Path });
        var expected = Both.Lines(file.Results[0].Rows).Order(StringComparer.Ordinal).ToList();
        expected.Should().HaveCount(7);

        string topic = KafkaMock.UniqueName("flights");
        await _kafka.ProduceAsync(topic, FlightValues(format));
        var kafka = await RunUntilAsync(CreateKafkaFlights(topic, format) + WindowedCount, expected.Count);

        kafka.Streaming.Should().BeTrue("a Kafka table never ends");
        Both.Lines(kafka.Results[0].Rows).Order(StringComparer.Ordinal).Should().Equal(expected);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public async Task InsertInto_AKafkaTable_ReadsBack(string format)
    {
        _dir.File("flights.csv", Data.Flights);
        string topic = KafkaMock.UniqueName("per-origin");
        var write = await SqlRunner.RunAsync(Data.CreateFlights() + $"""
            CREATE TABLE per_origin (origin STRING, window_start TIMESTAMP(3), n BIGINT, note STRING)
              WITH ('connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{_kafka.BootstrapServers}', 'format' = '{format}');
            INSERT INTO per_origin
            SELECT origin, window_start, COUNT(*), CASE WHEN origin = 'AMS' THEN 'a, "quoted" note' END
            FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '5' MINUTE))
            GROUP BY origin, window_start, window_end;
            """, new SqlRunOptions { BaseDirectory = _dir.Path });
        write.Summary!.ResultsWritten.Should().Be(4);

        var values = _kafka.ReadAtLeast(topic, 4);
        values.Should().HaveCount(4);
        if (format == "json")
        {
            using var doc = JsonDocument.Parse(values.Single(v => v.Contains("\"CDG\"", StringComparison.Ordinal)));
            doc.RootElement.GetProperty("window_start").GetString().Should().Be("2024-05-01T08:00:00.000Z");
            doc.RootElement.GetProperty("n").GetInt64().Should().Be(1);
        }
        else
        {
            values.Should().Contain("CDG,2024-05-01T08:00:00.000Z,1,");
        }

        // Read back through SQL: the rows written are the rows read.
        var read = await RunUntilAsync($"""
            CREATE TABLE per_origin (origin STRING, window_start TIMESTAMP(3), n BIGINT, note STRING)
              WITH ('connector' = 'kafka', 'topic' = '{topic}', 'properties.bootstrap.servers' = '{_kafka.BootstrapServers}',
                    'properties.group.id' = '{KafkaMock.UniqueName("back")}', 'scan.startup.mode' = 'earliest-offset', 'format' = '{format}');
            SELECT origin, window_start, n, note FROM per_origin;
            """, 4);
        Both.Lines(read.Results[0].Rows).Order(StringComparer.Ordinal).Should().Equal(
            "AMS|2024-05-01T08:00:00.000Z|4|a, \"quoted\" note",
            "AMS|2024-05-01T08:10:00.000Z|1|a, \"quoted\" note",
            "CDG|2024-05-01T08:00:00.000Z|1|NULL",
            "LHR|2024-05-01T08:00:00.000Z|2|NULL");
    }

    [Fact]
    public async Task ABadValue_GoesThroughTheErrorPolicy_AndFailsTheRunByDefault()
    {
        string topic = KafkaMock.UniqueName("bad");
        var values = FlightValues("json");
        values.Insert(2, "{ not json");
        await _kafka.ProduceAsync(topic, values);
        var act = () => RunUntilAsync(CreateKafkaFlights(topic, "json") + WindowedCount, 7);
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("table 'flights'").And.Contain("not JSON");
    }

    [Fact]
    public void UnknownOptions_AndStartupModes_AreRejectedWithTheClosestName()
    {
        var env = new SqlEnvironment();
        var act = () => env.Execute("CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'x:1', 'format' = 'json', 'scan.startup-mode' = 'earliest-offset')");
        act.Should().Throw<SqlException>().WithMessage("*unknown option 'scan.startup-mode'*did you mean 'scan.startup.mode'*");
        act = () => env.Execute("CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'x:1', 'format' = 'json', 'scan.startup.mode' = 'earliest-ofset')");
        act.Should().Throw<SqlException>().WithMessage("*'scan.startup.mode' = 'earliest-ofset'*did you mean 'earliest-offset'*");
        act = () => env.Execute("CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'x:1', 'format' = 'parquet')");
        act.Should().Throw<SqlException>().WithMessage("*unknown format 'parquet'*");
    }
}
