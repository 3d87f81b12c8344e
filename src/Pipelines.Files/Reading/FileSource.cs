namespace Pipelines.Files.Reading;

/// <summary>
/// A source over the files a pattern matches; see <see cref="FileSources"/>. Every run reads the files anew; with a
/// checkpoint, one run at a time uses the checkpoint file, and the next run resumes where the previous one ended.
/// </summary>
/// <remarks>
/// Opened at a position, the reader starts every file where the position says it was left, and the checkpoint
/// file (if any) is not read; without one, it starts where the checkpoint file says, or at the start.
/// </remarks>
internal sealed class FileSource<T>(FilePattern pattern, RecordFormat<T> format, FileSourceOptions options, string name) : Source<T, FilePosition>
{
    public override string Name => name;

    public override bool IsBounded => !options.Follow;

    public override async ValueTask<SourceReader<T, FilePosition>> OpenAsync(SourceContext context, FilePosition? position, CancellationToken cancellationToken)
    {
        var claim = options.CheckpointPath is null
            ? null
            : RunClaims.Take("checkpoint:" + Path.GetFullPath(options.CheckpointPath), () =>
                $"Source '{name}': another run is using the checkpoint '{Path.GetFullPath(options.CheckpointPath)}', and two runs saving one checkpoint would each " +
                "skip or repeat what the other read. Run one at a time (the next run resumes where the previous one ended), or give each run its own CheckpointPath.");
        var reader = new FileSourceReader<T>(pattern, format, options, context, claim);
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
