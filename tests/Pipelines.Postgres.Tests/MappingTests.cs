using static Pipelines.Postgres.Tests.PostgresServer;

namespace Pipelines.Postgres.Tests;

/// <summary>Rows mapped to users' records: only exact number conversions, and a constructor's refusal as a bad row.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MappingTests(PostgresFixture fixture)
{
    public sealed record WholePrice(int Id, int Price);

    public sealed record Ratio(int Id, float Value);

    /// <summary>A record that checks its values.</summary>
    public sealed record Payment
    {
        public Payment(int id, int amount)
        {
            if (amount < 0) throw new ArgumentOutOfRangeException(nameof(amount), "amount must not be negative");
            Id = id;
            Amount = amount;
        }

        public int Id { get; }

        public int Amount { get; }
    }

    private async Task<(List<T> Rows, List<DeadLetter> Letters)> ReadAsync<T>(string sql)
    {
        string db = await fixture.Server.CreateDatabaseAsync();
        var rows = new List<T>();
        var letters = new List<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(letters));
        p.From(PostgresSources.Query<T>(db, sql, name: "mapped")).OnError(ErrorPolicy.DeadLetter).To(Sinks.Collection(rows));
        await new BoundedExecutor().RunAsync(p.Build());
        return (rows, letters);
    }

    [Fact]
    public async Task ANumberThatWouldBeRounded_IsABadRow_AndAnExactOneConverts()
    {
        var (prices, letters) = await ReadAsync<WholePrice>("SELECT * FROM (VALUES (1, 20.00::numeric), (2, 19.99), (3, -7.0)) v(id, price)");
        prices.Should().Equal(new WholePrice(1, 20), new WholePrice(3, -7));
        letters.Should().ContainSingle().Which.Exception.Should().BeOfType<PostgresMappingException>().Which.Message
            .Should().Contain("#2").And.Contain("the value 19.99 in column 'price' does not fit in Int32 without rounding");

        var (ratios, ratioLetters) = await ReadAsync<Ratio>("SELECT * FROM (VALUES (1, 0.5::float8), (2, 0.1::float8)) v(id, value)");
        ratios.Should().Equal(new Ratio(1, 0.5f));
        ratioLetters.Should().ContainSingle().Which.Exception.Message.Should().Contain("0.1").And.Contain("does not fit in Single without rounding");
    }

    [Fact]
    public async Task AConstructorThatRefusesTheValues_IsABadRow_NamingTheQueryAndRow()
    {
        var (payments, letters) = await ReadAsync<Payment>("SELECT * FROM (VALUES (1, 10), (2, -5), (3, 30)) v(id, amount)");
        payments.Select(x => x.Id).Should().Equal(1, 3);
        var error = letters.Should().ContainSingle().Which.Exception.Should().BeOfType<PostgresMappingException>().Which;
        error.Message.Should().Contain("mapped").And.Contain("#2").And.Contain("Payment").And.Contain("amount must not be negative");
        error.Column.Should().BeNull();
        error.InnerException.Should().BeOfType<ArgumentOutOfRangeException>();
    }
}
