namespace Pipelines.Operators;

/// <summary><c>Scan</c>: a running aggregate per key, emitted after every element (a process function on the shared state service).</summary>
internal sealed class ScanFunction<TKey, T, TAcc>(TAcc seed, Func<TAcc, T, TAcc> accumulator) : KeyedProcessFunction<TKey, T, TAcc>
    where TKey : notnull
{
    private ValueState<TAcc> _state = null!;

    public override void Open(KeyedStateRegistry state) => _state = state.Value<TAcc>("scan");

    public override void ProcessElement(T element, KeyedProcessContext<TKey, TAcc> context)
    {
        TAcc next = accumulator(_state.HasValue ? _state.Value : seed, element);
        _state.Value = next;
        context.Emit(next);
    }
}
