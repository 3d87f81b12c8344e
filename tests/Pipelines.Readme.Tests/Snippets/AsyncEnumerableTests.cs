namespace Pipelines.Readme.Tests.Snippets;

/// <summary>The README's Sinks.AsyncEnumerable example, run: the big orders reach the consumer in order.</summary>
public class AsyncEnumerableTests
{
    [Fact]
    public async Task AsyncEnumerableSink_HandsTheBigOrdersToTheConsumer()
    {
        Order[] orders = [new("a", 50), new("b", 150), new("c", 100), new("d", 900)];
        var notified = new List<string>();
        Task notify(Order o)
        {
            notified.Add(o.Id);
            return Task.CompletedTask;
        }

        var p = new PipelineBuilder();

        #region README: async-enumerable
        p.From(Sources.Enumerable(orders)).Where(o => o.Total > 100).To(Sinks.AsyncEnumerable(out IAsyncEnumerable<Order> big));
        var run = new StreamingExecutor().RunAsync(p.Build());
        await foreach (var order in big) await notify(order);
        await run;
        #endregion

        notified.Should().Equal("b", "d");
    }

    private sealed record Order(string Id, decimal Total);
}
