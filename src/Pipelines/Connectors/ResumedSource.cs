namespace Pipelines.Connectors;

/// <summary>A source whose runs start at a fixed position (<see cref="Source{T, TPosition}.ResumeFrom"/>).</summary>
internal sealed class ResumedSource<T, TPosition>(Source<T, TPosition> source, TPosition position) : Source<T, TPosition>
    where TPosition : class
{
    public override string Name => source.Name;

    public override bool IsBounded => source.IsBounded;

    public override bool ProvidesEventTime => source.ProvidesEventTime;

    public override ErrorPolicy? BadRecordPolicy => source.BadRecordPolicy;

    public override ValueTask<SourceReader<T, TPosition>> OpenAsync(SourceContext context, TPosition? restored, CancellationToken cancellationToken) =>
        source.OpenAsync(context, restored ?? position, cancellationToken);
}
