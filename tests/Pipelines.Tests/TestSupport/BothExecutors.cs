namespace Pipelines.Tests.TestSupport;

/// <summary>Runs one pipeline definition on the bounded or the streaming executor (parallelism 2) and collects what reaches its sink.</summary>
internal static class BothExecutors
{
    /// <summary>The executors, as theory data: "bounded" and "streaming".</summary>
    public static TheoryData<string> Names => ["bounded", "streaming"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="define"/> on <paramref name="executor"/> with batches of <paramref name="batchSize"/>, failing after 30 seconds.</summary>
    public static async Task<List<T>> CollectAsync<T>(string executor, int batchSize, Func<PipelineBuilder, DataStream<T>> define)
    {
        var results = new List<T>();
        var p = new PipelineBuilder();
        define(p).To(Sinks.Collection(results));
        if (executor == "bounded") await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(p.Build()).WaitAsync(Deadline);
        else await new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = batchSize }).RunAsync(p.Build()).WaitAsync(Deadline);
        return results;
    }
}
