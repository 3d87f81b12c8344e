namespace Pipelines.Postgres.ChangeDataCapture;

/// <summary>A change-data-capture source; see <see cref="PostgresSources.ChangeDataCapture{T}"/>.</summary>
internal sealed class CdcSource<T>(PostgresCdcOptions options, string name) : Source<ChangeRecord<T>, PostgresCdcPosition>
{
    public override string Name => name;

    public override bool IsBounded => false;

    public override bool ProvidesEventTime => true;

    public override async ValueTask<SourceReader<ChangeRecord<T>, PostgresCdcPosition>> OpenAsync(SourceContext context, PostgresCdcPosition? position, CancellationToken cancellationToken)
    {
        var reader = new CdcReader<T>(options, name, context);
        try
        {
            await reader.StartAsync(position, cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
