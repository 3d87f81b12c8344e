namespace Pipelines.Files.Reading;

/// <summary>A source over the files a pattern matches; see <see cref="FileSources"/>.</summary>
internal sealed class FileSource<T>(FilePattern pattern, RecordFormat<T> format, FileSourceOptions options, string name) : Source<T>
{
    public override string Name => name;

    public override bool IsBounded => !options.Follow;

    public override async ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var reader = new FileSourceReader<T>(pattern, format, options, context);
        try
        {
            await reader.StartAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
