using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>A card payment.</summary>
internal sealed record Payment(string Card, decimal Amount);

/// <summary>The README's trigger, throttle and SelectAsync-options example, run on the bounded executor with a fake clock.</summary>
public class TriggersAndRatesTests
{
    [Fact]
    public async Task BatchesPerCard_AndThrottledScoresWithRetries()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var batchResults = new List<WindowResult<string, decimal>>();
        var scoreResults = new List<string>();
        var dead = new List<DeadLetter>();
        var pipeline = new PipelineBuilder().WithDeadLetterSink(Sinks.Collection(dead));
        var payments = pipeline.From(Sources.Enumerable(Enumerable.Range(0, 250).Select(i => new Payment(i % 2 == 0 ? "card-a" : "card-b", 1m))));
        var batches = Sinks.Collection(batchResults);
        var scores = Sinks.Collection(scoreResults);
        int calls = 0;
        Task<string> ScoreAsync(Payment payment, CancellationToken ct) =>
            Interlocked.Increment(ref calls) % 3 == 0 ? Task.FromException<string>(new IOException("busy")) : Task.FromResult($"{payment.Card}:ok");

        #region README: triggers and rates
        // Per card: a batch of 100 payments, or what came within 5 seconds, whichever is first
        payments.KeyBy(p => p.Card).Window(Windows.Global())
            .Trigger(Triggers.Count(100).Or(Triggers.ProcessingTime(TimeSpan.FromSeconds(5))).Purging())
            .Sum(p => p.Amount).To(batches);

        // At most 50 calls a second to a rate-limited API, 4 at a time, 2 s each, tried up to 3 more times
        payments.Throttle(50, TimeSpan.FromSeconds(1))
            .SelectAsync(ScoreAsync, new SelectAsyncOptions { MaxConcurrency = 4, Timeout = TimeSpan.FromSeconds(2), MaxRetries = 3 })
            .OnError(ErrorPolicy.DeadLetter).To(scores);
        #endregion

        var run = new BoundedExecutor(new BoundedExecutorOptions { TimeProvider = clock }).RunAsync(pipeline.Build());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!run.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The run did not end.");
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(run, Task.Delay(2));
        }

        await run;

        // 125 payments per card: a batch of 100 (count), then the last 25 at the end of input.
        batchResults.Where(b => b.Key == "card-a").Select(b => (b.Value, b.Timing)).Should().Equal((100m, PaneTiming.Early), (25m, PaneTiming.OnTime));
        scoreResults.Should().HaveCount(250, "every third call fails once and is retried");
        dead.Should().BeEmpty();
    }
}
