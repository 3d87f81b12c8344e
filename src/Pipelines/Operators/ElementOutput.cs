using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// The output of an operator that emits several results per input element (join pairs). Under
/// <see cref="ErrorPolicy.Skip"/> and <see cref="ErrorPolicy.DeadLetter"/> an element's results are held until
/// the element is done (<see cref="Commit"/>), so a user function that throws part-way withdraws them all
/// (<see cref="Discard"/>) instead of leaving a partial result behind; under <see cref="ErrorPolicy.Fail"/> the
/// run fails anyway and results go straight through.
/// </summary>
internal sealed class ElementOutput<T>(Output<T> output, ErrorPolicy policy)
{
    private readonly List<(T Value, long Timestamp)>? _held = policy == ErrorPolicy.Fail ? null : [];

    public Output<T> Output { get; } = output;

    public void Emit(T value, long timestamp)
    {
        if (_held is null) Output.Emit(value, timestamp);
        else _held.Add((value, timestamp));
    }

    /// <summary>The element succeeded: its results go on.</summary>
    public void Commit()
    {
        if (_held is not { Count: > 0 }) return;
        foreach (var (value, timestamp) in _held) Output.Emit(value, timestamp);
        _held.Clear();
    }

    /// <summary>The element failed: its results are withdrawn.</summary>
    public void Discard() => _held?.Clear();
}
