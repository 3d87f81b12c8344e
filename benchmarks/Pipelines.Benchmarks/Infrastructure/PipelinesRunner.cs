namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>Builds a pipeline and runs it on the bounded executor or the streaming executor.</summary>
internal static class PipelinesRunner
{
    /// <summary>Builds and runs.</summary>
    /// <param name="define">Defines the pipeline.</param>
    /// <param name="input">The input events.</param>
    /// <param name="collector">Where results go.</param>
    /// <param name="parallelism">Null for the bounded executor, else the streaming executor's parallelism.</param>
    public static async Task RunAsync<TIn, TOut>(Action<PipelineBuilder, Source<TIn>, Collector<TOut>> define, TIn[] input, Collector<TOut> collector, int? parallelism)
        where TOut : struct, IResult<TOut>
    {
        var builder = new PipelineBuilder();
        define(builder, Sources.Enumerable(input), collector);
        var pipeline = builder.Build();
        RunSummary summary = parallelism is null
            ? await new BoundedExecutor().RunAsync(pipeline)
            : await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism.Value }).RunAsync(pipeline);
        if (summary.LateElementsDropped != 0 || summary.ElementsSkipped != 0 || summary.ElementsDeadLettered != 0)
        {
            throw new InvalidOperationException($"The pipeline dropped elements: {summary}.");
        }
    }
}
