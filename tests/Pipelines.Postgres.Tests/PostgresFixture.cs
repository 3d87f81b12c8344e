namespace Pipelines.Postgres.Tests;

/// <summary>One <see cref="PostgresServer"/> for every test of the collection.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
