using System.Threading.Channels;

namespace Pipelines.Tests.Streaming;

/// <summary>
/// The edge into a keyed stage with several workers fills each worker's batch across input batches and holds a
/// partial one until the producer is about to wait or sends a control signal: nothing stays behind while the input
/// pauses, whether the producer is a source or the workers of another keyed stage.
/// </summary>
public sealed class KeyedExchangeTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static async Task Eventually(Func<bool> condition, Task run)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            if (run.IsCompleted) await run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not become true.");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Runs the pipeline <paramref name="define"/> builds on a channel of numbers with three workers per keyed stage,
    /// writes ten numbers three times, and after each ten waits until the sink has one result per number so far; then
    /// ends the input and returns every result.
    /// </summary>
    private static async Task<List<T>> RunInPausesAsync<T>(Action<DataStream<int>, Sink<T>> define)
    {
        var input = Channel.CreateUnbounded<int>();
        var results = new List<T>();
        var p = new PipelineBuilder();
        define(p.From(Sources.Channel(input.Reader, "numbers")), Sinks.Action<T>(r =>
        {
            lock (results) results.Add(r);
        }));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 3, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());

        for (int round = 0; round < 3; round++)
        {
            for (int i = round * 10; i < round * 10 + 10; i++) await input.Writer.WriteAsync(i);
            int expected = round * 10 + 10;
            await Eventually(() => { lock (results) return results.Count >= expected; }, run.Completion);
        }

        input.Writer.Complete();
        await run.Completion.WaitAsync(HangGuard);
        return results;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task WhatIsRead_ReachesTheLastKeyedStage_WhileTheInputPauses(int keyedStages)
    {
        var results = await RunInPausesAsync<int>((numbers, sink) =>
        {
            var stream = numbers;
            for (int s = 0; s < keyedStages; s++)
            {
                int modulus = 5 + s;
                stream = stream.KeyBy(i => i % modulus).Process(() => new PassOn());
            }

            stream.To(sink);
        });

        results.Order().Should().Equal(Enumerable.Range(0, 30));
    }

    [Fact]
    public async Task WhatAKeyedStageEmits_ReachesTheNextKeyedStage_WhileNoSignalFollows()
    {
        // Every element has the same event time, so after the first the watermark stays where it is: no control signal
        // follows the windows' early panes, and the workers of the window stage send what they hold before they wait.
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var results = await RunInPausesAsync<long>((numbers, sink) => numbers
            .WithEventTime(_ => t0, Watermarks.Monotonic())
            .KeyBy(i => i % 7).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).EarlyResults(1).Count()
            .KeyBy(r => r.Key % 3).Process(() => new CountOf())
            .To(sink));

        results.Should().HaveCount(30 + 7, "an early pane per element, then the on-time pane of each key at the end");
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 64)]
    public async Task AnArrayTimedInPlace_IsRoutedToTheWorkersWithoutACopy_AndCountsAsOnTheBoundedExecutor(int parallelism, int batchSize)
    {
        // An array is read in place, timed in place by WithEventTime and scattered straight into the workers'
        // buffers. Every 97th element's time cannot be computed: it is skipped, and the elements on either side go
        // on as separate runs of the array.
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = Enumerable.Range(0, 2_000).Select(i => (Key: $"k{i * 7919 % 13}", At: t0.AddSeconds(i / 10.0), Broken: i % 97 == 5)).ToArray();

        async Task<List<WindowResult<string, long>>> Run(Func<Pipeline, Task<RunSummary>> run)
        {
            var results = new List<WindowResult<string, long>>();
            var p = new PipelineBuilder();
            p.From(Sources.Enumerable(input))
                .WithEventTime(e => e.Broken ? throw new FormatException("no time") : e.At, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1))).OnError(ErrorPolicy.Skip)
                .KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count()
                .To(Sinks.Collection(results));
            await run(p.Build()).WaitAsync(HangGuard);
            return results;
        }

        var bounded = await Run(pipeline => new BoundedExecutor().RunAsync(pipeline));
        var streaming = await Run(pipeline => new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = batchSize }).RunAsync(pipeline));

        bounded.Sum(r => r.Value).Should().Be(input.Count(e => !e.Broken));
        streaming.Should().BeEquivalentTo(bounded);
    }

    private sealed class CountOf : KeyedProcessFunction<int, WindowResult<int, long>, long>
    {
        public override void ProcessElement(WindowResult<int, long> value, KeyedProcessContext<int, long> ctx) => ctx.Emit(value.Value);
    }

    private sealed class PassOn : KeyedProcessFunction<int, int, int>
    {
        public override void ProcessElement(int value, KeyedProcessContext<int, int> ctx) => ctx.Emit(value);
    }
}
