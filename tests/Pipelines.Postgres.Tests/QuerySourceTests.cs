using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class QuerySourceTests(PostgresFixture fixture)
{
    public sealed record Order(long OrderId, int CustomerId, decimal Amount, DateTimeOffset PlacedAt);

    [Fact]
    public async Task TheRowsOfAQuery_StreamThroughACursor_Mapped_AsABatch()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL, placed_at timestamptz NOT NULL);
            INSERT INTO orders SELECT i, i % 97, (i % 1000) / 10.0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, 25000) i;
            """);
        var results = new List<Order>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<Order>(db, "SELECT * FROM orders WHERE customer_id <> @skip ORDER BY order_id", new Dictionary<string, object?> { ["skip"] = 5 }, fetchSize: 1000))
            .To(Sinks.Collection(results));
        await new BoundedExecutor().RunAsync(p.Build());

        var expected = Enumerable.Range(1, 25000).Where(i => i % 97 != 5)
            .Select(i => new Order(i, i % 97, (i % 1000) / 10.0m, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i))).ToList();
        results.Should().Equal(expected);
    }

    [Fact]
    public async Task AWholeNumericTooLongForADecimal_IsReadAsABigInteger_AndNaNFailsNamingTheColumnAndTheWayOut()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        var rows = new List<PostgresRow>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<PostgresRow>(db, "SELECT 1234567890123456789012345678901234567890::numeric AS amount")).To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());
        rows.Should().ContainSingle().Which["amount"].Should().Be(System.Numerics.BigInteger.Parse("1234567890123456789012345678901234567890"));

        var nan = new PipelineBuilder();
        nan.From(PostgresSources.Query<PostgresRow>(db, "SELECT 'NaN'::numeric AS amount")).To(Sinks.Action<PostgresRow>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(nan.Build());
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("column amount").And.Contain("amount::text");
    }

    [Fact]
    public async Task ARowThatDoesNotMap_IsDeadLettered_NamingTheQueryRowAndColumn()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        var letters = new List<DeadLetter>();
        var rows = new List<Order>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(letters));
        p.From(PostgresSources.Query<Order>(db, "SELECT * FROM (VALUES (1::bigint, 1, 2.5, now()), (2, NULL, 1.0, now()), (3, 3, 7.0, now())) v(order_id, customer_id, amount, placed_at)", name: "orders-query"))
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());

        rows.Select(r => r.OrderId).Should().Equal(1, 3);
        letters.Should().ContainSingle().Which.Exception.Message.Should().Contain("orders-query").And.Contain("#2").And.Contain("column customer_id");
    }

    [Fact]
    public async Task AValueNpgsqlCannotRead_IsABadRow_ThatFollowsTheErrorPolicy()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        var letters = new List<DeadLetter>();
        var rows = new List<PostgresRow>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(letters));
        p.From(PostgresSources.Query<PostgresRow>(db, "SELECT * FROM (VALUES (1, '{1.5}'::numeric[], 'a'), (2, '{NaN}', 'b'), (3, '{2}', 'c')) v(id, amounts, name)", name: "amounts"))
            .OnError(ErrorPolicy.DeadLetter)
            .To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());

        rows.Select(r => (r["id"], r["name"])).Should().Equal((1, "a"), (3, "c"));
        var letter = letters.Should().ContainSingle().Which;
        letter.Exception.Should().BeOfType<PostgresMappingException>().Which.Message.Should().Contain("#2").And.Contain("column amounts").And.Contain("amounts::text");
        ((PostgresRow)letter.Element!)["name"].Should().Be("b");
    }

    public sealed record Named(int Id, string Name);

    public sealed record Mood(int Id, string Feeling);

    [Fact]
    public async Task AColumnOfATypeCreatedAfterTheProcessFirstConnected_IsRead()
    {
        // The first connection to the database loads its types (the type does not exist yet); the type is created
        // after, in the same process, as a migration run by a long-lived service would.
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, "SELECT 1");
        await ExecuteAsync(db, """
            CREATE TYPE feeling AS ENUM ('calm', 'glad');
            CREATE TABLE moods (id int PRIMARY KEY, feeling feeling NOT NULL);
            INSERT INTO moods VALUES (1, 'calm'), (2, 'glad');
            """);
        var rows = new List<Mood>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<Mood>(db, "SELECT id, feeling FROM moods ORDER BY id")).To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());

        rows.Should().Equal(new Mood(1, "calm"), new Mood(2, "glad"));
    }

    public enum Feeling
    {
        Calm,
        VeryGlad,
    }

    public sealed record Felt(int Id, Feeling Feeling);

    [Fact]
    public async Task AnEnumColumn_MapsToADotNetEnum_ByItsLabels_AndALabelNoMemberMatchesIsABadRow()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        await ExecuteAsync(db, """
            CREATE TYPE feeling AS ENUM ('calm', 'very_glad', 'sulky');
            CREATE TABLE moods (id int PRIMARY KEY, feeling feeling NOT NULL);
            INSERT INTO moods VALUES (1, 'calm'), (2, 'very_glad'), (3, 'sulky');
            """);
        var rows = new List<Felt>();
        var letters = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(letters));
        p.From(PostgresSources.Query<Felt>(db, "SELECT id, feeling FROM moods ORDER BY id")).OnError(ErrorPolicy.DeadLetter).To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());

        rows.Should().Equal(new Felt(1, Feeling.Calm), new Felt(2, Feeling.VeryGlad));
        letters.Should().ContainSingle().Which.Exception!.Message.Should()
            .Contain("id=3").And.Contain("column feeling").And.Contain("'sulky' matches no member of Feeling (Calm, VeryGlad)");
    }

    [Fact]
    public async Task AColumnNoMemberMaps_IsNotRead_NotEvenAValueNpgsqlCannotRead()
    {
        // Only the columns the type maps are read: a value Npgsql cannot read in another costs no error per row.
        string db = await fixture.Server.CreateDatabaseAsync();
        using var errors = new ValueErrors();
        var rows = new List<Named>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<Named>(db, "SELECT * FROM (VALUES (1, '{NaN}'::numeric[], 'a'), (2, '{1}', 'b'), (3, '{NaN}', 'c')) v(id, amounts, name)"))
            .To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());

        rows.Should().Equal(new Named(1, "a"), new Named(2, "b"), new Named(3, "c"));
        errors.Seen.Should().BeEmpty("no value of a column nothing maps is decoded");
    }

    [Fact]
    public async Task RowsAsTheyAre()
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        var rows = new List<PostgresRow>();
        var p = new PipelineBuilder();
        p.From(PostgresSources.Query<PostgresRow>(db, "SELECT 1 AS a, 'x' AS b, NULL::int AS c")).To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());
        rows.Should().ContainSingle();
        rows[0].Columns.Should().Equal("a", "b", "c");
        rows[0].Values.Should().Equal(1, "x", null);
        rows[0].Get<long>("a").Should().Be(1L);
    }
}
