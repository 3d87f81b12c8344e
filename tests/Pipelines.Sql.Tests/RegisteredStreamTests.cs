using Pipelines.Sql.Types;

namespace Pipelines.Sql.Tests;

/// <summary>
/// Queries over a registered stream compile against the element itself (its properties, not a copied row):
/// every column type, NULLs, constants, many aggregates and wide results, checked against the same question
/// answered with LINQ, on both executors.
/// </summary>
public sealed class RegisteredStreamTests
{
    public sealed record Reading(int Sensor, long Value, double Level, decimal Price, int? Maybe, string? Name, DateTimeOffset Time, bool Flag, short Small);

    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private static List<Reading> Readings()
    {
        var random = new Random(5);
        return Enumerable.Range(0, 400).Select(i => new Reading(
            random.Next(6),
            random.Next(-1000, 1000),
            Math.Round(random.NextDouble() * 100, 2),
            random.Next(1, 100000) / 100m,
            random.Next(4) == 0 ? null : random.Next(10),
            random.Next(5) == 0 ? null : "n" + random.Next(30),
            T0.AddSeconds(i * 3 + random.Next(5)).ToOffset(TimeSpan.FromHours(2)),
            random.Next(2) == 0,
            (short)random.Next(100))).ToList();
    }

    private static async Task<List<string>> RunAsync(string sql, bool streaming)
    {
        var builder = new PipelineBuilder();
        var readings = builder.From(Sources.Enumerable(Readings())).WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(10)));
        var env = new SqlEnvironment(builder);
        env.RegisterTable("readings", readings, isBounded: true, timeColumn: nameof(Reading.Time));
        var rows = new List<Row>();
        env.Query(sql).Stream.To(Sinks.Collection(rows));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16 }).RunAsync(builder.Build());
        else await new BoundedExecutor().RunAsync(builder.Build());
        return [.. Both.Lines(rows).Order(StringComparer.Ordinal)];
    }

    private static List<string> Expected(IEnumerable<object?[]> rows) =>
        [.. rows.Select(values => string.Join("|", values.Select(SqlValues.Format))).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FilterAndProject_OverProperties_WithNullsAndConstants(bool streaming)
    {
        var rows = await RunAsync(
            "SELECT Sensor, `Value` % 3 AS m, `Value` / 0 AS z, Level * 2 AS l, Maybe + 1 AS mp, -Sensor AS neg, Price + 1 AS p, Small * 2 AS s, `Time` AS t " +
            "FROM readings WHERE `Value` % 2 = 0 AND NOT Flag AND Sensor <> 3 AND (Maybe IS NULL OR Maybe < 8)",
            streaming);

        rows.Should().Equal(Expected(Readings()
            .Where(r => r.Value % 2 == 0 && !r.Flag && r.Sensor != 3 && (r.Maybe is null || r.Maybe < 8))
            .Select(r => new object?[] { r.Sensor, r.Value % 3, null, r.Level * 2, r.Maybe + 1, -r.Sensor, r.Price + 1, r.Small * 2, r.Time.ToUniversalTime() })));
        rows.Should().HaveCountGreaterThan(30);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenAggregates_PerKey(bool streaming)
    {
        var rows = await RunAsync(
            "SELECT Sensor, COUNT(*) AS n, COUNT(Maybe) AS nm, SUM(`Value`) AS v, AVG(Level) AS l, MIN(Price) AS p, MAX(Name) AS name, " +
            "COUNT(DISTINCT Maybe) AS dm, SUM(Maybe) AS sm, MAX(Small) AS s, MIN(`Time`) AS t FROM readings GROUP BY Sensor HAVING COUNT(*) > 10",
            streaming);

        rows.Should().Equal(Expected(Readings().GroupBy(r => r.Sensor).Where(g => g.Count() > 10).Select(g => new object?[]
        {
            g.Key, (long)g.Count(), (long)g.Count(r => r.Maybe is not null), g.Sum(r => r.Value), g.Average(r => r.Level), g.Min(r => r.Price),
            g.Select(r => r.Name).Where(n => n is not null).Max(StringComparer.Ordinal), (long)g.Where(r => r.Maybe is not null).Select(r => r.Maybe).Distinct().Count(),
            (long?)g.Sum(r => r.Maybe), (int)g.Max(r => r.Small), g.Min(r => r.Time).ToUniversalTime(),
        })));
        rows.Should().HaveCount(6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GroupByNullableKeys_KeepsTheNullGroup(bool streaming)
    {
        var rows = await RunAsync("SELECT Maybe, Name IS NULL AS unnamed, COUNT(*) AS n, SUM(Sensor) AS s FROM readings GROUP BY Maybe, Name IS NULL", streaming);

        rows.Should().Equal(Expected(Readings().GroupBy(r => (r.Maybe, r.Name is null))
            .Select(g => new object?[] { g.Key.Maybe, g.Key.Item2, (long)g.Count(), (long)g.Sum(r => r.Sensor) })));
        rows.Should().Contain(r => r.StartsWith("NULL|", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WideResult_AndRowsOfEitherKind_CompareByValue()
    {
        var rows = await RunAsync("SELECT Sensor, `Value`, Level, Price, Maybe, Name, Flag, Small, Sensor + 1 AS s1, Sensor + 2 AS s2 FROM readings WHERE Sensor = 1", streaming: false);

        rows.Should().Equal(Expected(Readings().Where(r => r.Sensor == 1)
            .Select(r => new object?[] { r.Sensor, r.Value, r.Level, r.Price, r.Maybe, r.Name, r.Flag, (int)r.Small, r.Sensor + 1, r.Sensor + 2 })));

        var builder = new PipelineBuilder();
        var env = new SqlEnvironment(builder);
        env.RegisterTable("readings", builder.From(Sources.Enumerable(Readings().Take(1).ToList())), isBounded: true);
        var typed = new List<Row>();
        env.Query("SELECT Sensor, `Value`, Maybe FROM readings").Stream.To(Sinks.Collection(typed));
        await new BoundedExecutor().RunAsync(builder.Build());
        var first = Readings()[0];
        var array = new Row(first.Sensor, first.Value, first.Maybe);
        typed.Should().ContainSingle().Which.Should().Be(array);
        typed[0].GetHashCode().Should().Be(array.GetHashCode());
        typed[0].ToString().Should().Be(array.ToString());
    }
}
