using System.Text.Json;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Connectors;

namespace Pipelines;

/// <summary>
/// A source whose readers record where they are with a position of type <typeparamref name="TPosition"/>
/// (see <see cref="SourceReader{T, TPosition}"/>), and which can open a reader at a position saved earlier.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TPosition">The position type: an immutable record that System.Text.Json can serialize.</typeparam>
public abstract class Source<T, TPosition> : Source<T>
    where TPosition : class
{
    /// <summary>
    /// Opens a reader for one run at <paramref name="position"/>, or, when it is null, where the source starts on
    /// its own (its beginning, or what it keeps itself: a checkpoint file, a consumer group's committed offsets).
    /// </summary>
    /// <param name="context">Facts about the run.</param>
    /// <param name="position">A position a reader of this source captured (<see cref="SourceReader{T, TPosition}.CapturePosition()"/>), possibly in another process; null to start without one.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    public abstract ValueTask<SourceReader<T, TPosition>> OpenAsync(SourceContext context, TPosition? position, CancellationToken cancellationToken);

    /// <summary>Opens a reader without a restored position: <c>OpenAsync(context, null, cancellationToken)</c>.</summary>
    /// <param name="context">Facts about the run.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    public sealed override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        var opening = OpenAsync(context, null, cancellationToken);
        return opening.IsCompletedSuccessfully ? new(opening.Result) : AwaitAsync(opening);

        static async ValueTask<SourceReader<T>> AwaitAsync(ValueTask<SourceReader<T, TPosition>> opening) => await opening.ConfigureAwait(false);
    }

    internal sealed override async ValueTask<SourceReader<T>> OpenAtAsync(SourceContext context, JsonElement position, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        TPosition? restored;
        try
        {
            restored = position.Deserialize(JsonStateOptions.TypeInfo<TPosition>(json));
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Source '{Name}' cannot read its position from the checkpoint as {typeof(TPosition).Name}: {ex.Message}", ex);
        }

        return await OpenAsync(context, restored, cancellationToken).ConfigureAwait(false);
    }

    internal sealed override JsonElement PositionToJson(object position, JsonSerializerOptions json) =>
        JsonSerializer.SerializeToElement((TPosition)position, JsonStateOptions.TypeInfo<TPosition>(json));

    /// <summary>
    /// This source, resumed: every run opens its reader at <paramref name="position"/> (a position an earlier run
    /// committed, typically restored from storage), right after the last element read before it was captured.
    /// </summary>
    /// <param name="position">Where to resume.</param>
    public Source<T, TPosition> ResumeFrom(TPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return new ResumedSource<T, TPosition>(this, position);
    }
}
