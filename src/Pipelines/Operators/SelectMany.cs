using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>Maps each element to a sequence and emits its items with the element's event time.</summary>
internal sealed class SelectMany<TIn, TOut>(Func<TIn, IEnumerable<TOut>> selector, Output<TOut> output, OperatorContext context)
    : StatelessOperator<TIn, TOut>(output, context)
{
    public override void OnBatch(Batch<TIn> batch)
    {
        TIn[] values = batch.Values;
        long[] stamps = batch.Timestamps;
        for (int i = 0; i < batch.Count; i++)
        {
            try
            {
                foreach (var item in selector(values[i])) Output.Emit(item, stamps[i]);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, values[i], stamps[i]);
            }
        }

        Output.Flush();
    }
}
