using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Maps each element to a sequence and emits its items with the element's event time. Under
/// <see cref="ErrorPolicy.Skip"/> and <see cref="ErrorPolicy.DeadLetter"/> an element's items are collected
/// before any is emitted, so a sequence that throws part-way skips the whole element, not just its tail.
/// </summary>
internal sealed class SelectMany<TIn, TOut>(Func<TIn, IEnumerable<TOut>> selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context)
{
    private readonly List<TOut>? _items = context.Errors.Policy == ErrorPolicy.Fail ? null : [];

    public override void OnBatch(Batch<TIn> batch)
    {
        TIn[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        ElementOrigin[]? origins = batch.HasOrigins ? batch.Origins : null;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                if (_items is null && origins is null)
                {
                    foreach (var item in selector(values[i])) Output.Emit(item, stamps[i]);
                }
                else if (_items is null)
                {
                    // On the way to an exchange that drops elements read twice: each item gets its element's origin
                    // and its place among the element's items.
                    long k = 0;
                    foreach (var item in selector(values[i])) Output.Emit(item, stamps[i], origins![i].Item(k++));
                }
                else
                {
                    _items.AddRange(selector(values[i]));
                    if (origins is null)
                    {
                        foreach (var item in _items) Output.Emit(item, stamps[i]);
                    }
                    else
                    {
                        for (int k = 0; k < _items.Count; k++) Output.Emit(_items[k], stamps[i], origins[i].Item(k));
                    }
                }
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
            finally
            {
                _items?.Clear();
            }
        }

        Output.Flush();
    }
}
