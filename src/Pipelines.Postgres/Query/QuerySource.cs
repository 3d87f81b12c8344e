namespace Pipelines.Postgres.Query;

/// <summary>The rows of a query; see <see cref="PostgresSources.Query{T}"/>.</summary>
internal sealed class QuerySource<T>(string connectionString, string sql, IReadOnlyDictionary<string, object?> parameters, int fetchSize, string name) : Source<T>
{
    public override string Name => name;

    public override bool IsBounded => true;

    public override async ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var reader = new QueryReader<T>(connectionString, fetchSize, name, context);
        try
        {
            await reader.StartAsync(sql, parameters, cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
