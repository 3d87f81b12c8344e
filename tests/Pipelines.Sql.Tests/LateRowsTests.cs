using Pipelines.Testing;

namespace Pipelines.Sql.Tests;

public sealed class LateRowsTests
{
    public sealed record Click(string Name, DateTimeOffset Ts);

    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private const string Script = """
        SET 'table.exec.allowed-lateness' = '30 s';
        SET 'table.exec.late-rows' = 'late_clicks';
        SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
        SELECT Name, Ts FROM late_clicks;
        """;

    [Fact]
    public async Task Streaming_RowsTooLateForTheirWindow_AreTheLateRowsTable()
    {
        // Window [08:00, 08:01) closes for good at watermark 08:01:30 (30 s allowed lateness).
        var script = new TestStream<Click>()
            .Add(T0.AddSeconds(1), new Click("ann", T0.AddSeconds(1)))
            .Add(T0.AddSeconds(2), new Click("bob", T0.AddSeconds(2)))
            .AdvanceWatermarkTo(T0.AddMinutes(1))
            .Add(T0.AddSeconds(10), new Click("cid", T0.AddSeconds(10)))        // late, but within the allowed lateness: counted
            .AdvanceWatermarkTo(T0.AddMinutes(3))
            .Add(T0.AddSeconds(5), new Click("dan", T0.AddSeconds(5)))          // too late: window [08:00, 08:01) is gone
            .Add(T0.AddSeconds(70), new Click("eve", T0.AddSeconds(70)))        // too late: window [08:01, 08:02) is gone
            .Add(T0.AddSeconds(200), new Click("fay", T0.AddSeconds(200)));     // in time
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        env.RegisterTable("clicks", builder.From(script), timeColumn: "Ts");
        var results = env.Execute(Script).Where(r => r.Query is not null).Select(r => r.Query!).ToList();
        results.Should().HaveCount(2);
        results[1].Schema.Columns.Select(c => c.Name).Should().Equal("Name", "Ts");
        var counts = new List<string>();
        var late = new List<string>();
        results[0].Stream.Select(r => $"{r[0]:HH:mm:ss} {r[1]}").To(Sinks.Collection(counts));
        results[1].Stream.Select(r => $"{r[0]} {r[1]:HH:mm:ss}").To(Sinks.Collection(late));

        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(builder.Build());

        late.Should().Equal("dan 08:00:05", "eve 08:01:10");
        counts.Should().Equal("08:00:00 2", "08:00:00 3", "08:03:00 1");
        summary.LateElementsDropped.Should().Be(2);
    }

    [Fact]
    public async Task Bounded_HasNoLateRows_SoTheTableIsEmpty()
    {
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        // Out of order by minutes, yet a bounded run holds the watermark back until the input ends.
        var clicks = new[] { new Click("ann", T0.AddMinutes(5)), new Click("bob", T0), new Click("cid", T0.AddMinutes(9)), new Click("dan", T0.AddSeconds(1)) };
        env.RegisterTable("clicks", builder.From(Sources.Enumerable(clicks)), isBounded: true, timeColumn: "Ts");
        var results = env.Execute(Script).Where(r => r.Query is not null).Select(r => r.Query!).ToList();
        var counts = new List<string>();
        var late = new List<string>();
        results[0].Stream.Select(r => $"{r[0]:HH:mm:ss} {r[1]}").To(Sinks.Collection(counts));
        results[1].Stream.Select(r => $"{r[0]}").To(Sinks.Collection(late));

        await new BoundedExecutor().RunAsync(builder.Build());

        late.Should().BeEmpty();
        counts.Order(StringComparer.Ordinal).Should().Equal("08:00:00 2", "08:05:00 1", "08:09:00 1");
    }

    [Fact]
    public void TheSetting_NamesOneTable_TakenByTheNextWindowedGroupBy()
    {
        var env = new SqlEnvironment();
        env.RegisterTable("clicks", env.Builder.From(Sources.Enumerable(Array.Empty<Click>())), timeColumn: "Ts");
        env.Execute("SET 'table.exec.late-rows' = 'late_clicks'");
        env.Explain("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
            .Should().Contain("Late rows to table late_clicks");
        var act = () => env.Query("SELECT * FROM late_clicks");
        act.Should().Throw<SqlException>("EXPLAIN registers nothing").WithMessage("*unknown table 'late_clicks'*");
        env.Query("SELECT Name FROM clicks WHERE Name = 'x'");
        env.Query("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end");
        env.Query("SELECT Name, Ts FROM late_clicks").Schema.Columns.Select(c => c.Name).Should().Equal("Name", "Ts");
        env.Explain("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
            .Should().NotContain("Late rows", "the setting is taken once");
        var bad = () => env.Execute("SET 'table.exec.late-rows' = 'not a name'");
        bad.Should().Throw<SqlException>().WithMessage("*a table name*");
    }

    [Fact]
    public async Task Streaming_LateRows_GoToASinkTable_WithInsertInto()
    {
        using var dir = new TempDirectory();
        var script = new TestStream<Click>()
            .Add(T0.AddSeconds(1), new Click("ann", T0.AddSeconds(1)))
            .AdvanceWatermarkTo(T0.AddMinutes(2))
            .Add(T0.AddSeconds(5), new Click("dan", T0.AddSeconds(5)));
        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder) { BaseDirectory = dir.Path };
        env.RegisterTable("clicks", builder.From(script), timeColumn: "Ts");
        env.Execute("""
            CREATE TABLE late_file (Name STRING, Ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = 'late', 'format' = 'json');
            CREATE TABLE counts (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'counts', 'format' = 'json');
            SET 'table.exec.late-rows' = 'late_clicks';
            INSERT INTO counts SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(Ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
            INSERT INTO late_file SELECT Name, Ts FROM late_clicks;
            """);

        await new StreamingExecutor(new StreamingOptions { Parallelism = 1, TimeProvider = script.Clock }).RunAsync(builder.Build());

        Directory.GetFiles(Path.Combine(dir.Path, "late")).SelectMany(File.ReadAllLines).Should().Equal("""{"Name":"dan","Ts":"2024-05-01T08:00:05.000Z"}""");
        Directory.GetFiles(Path.Combine(dir.Path, "counts")).SelectMany(File.ReadAllLines).Should().Equal("""{"window_start":"2024-05-01T08:00:00.000Z","n":1}""");
    }
}
