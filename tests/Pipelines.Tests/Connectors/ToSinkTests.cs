using System.Collections.Concurrent;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Connectors;

public class ToSinkTests
{
    private static readonly int[] Input = Enumerable.Range(1, 25).ToArray();

    [Fact]
    public async Task CollectionSink_ReceivesEveryElement_InOrder()
    {
        var results = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(Sinks.Collection(results));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build());

        results.Should().Equal(Input);
    }

    [Fact]
    public async Task CollectionSink_NonListCollection_IsFilledThroughAdd()
    {
        var results = new HashSet<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 3, 1, 3, 2 })).To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build());

        results.Should().BeEquivalentTo([1, 2, 3]);
    }

    [Fact]
    public async Task CollectionSink_ExistingContent_IsKept()
    {
        var results = new List<int> { -1 };
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 7 })).To(Sinks.Collection(results));

        await new BoundedExecutor().RunAsync(p.Build());

        results.Should().Equal(-1, 7);
    }

    [Fact]
    public async Task ActionSink_CallsTheActionOncePerElement_InOrder()
    {
        var seen = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).Select(x => $"#{x}").To(Sinks.Action<string>(seen.Add));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 3 }).RunAsync(p.Build());

        seen.Should().Equal(Input.Select(x => $"#{x}"));
    }

    [Fact]
    public async Task AsyncActionSink_AwaitsEachElement_OneAtATime_InOrder()
    {
        var seen = new List<int>();
        int inFlight = 0, maxInFlight = 0;
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>(async (x, ct) =>
        {
            maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
            await Task.Yield();
            lock (seen) seen.Add(x);
            Interlocked.Decrement(ref inFlight);
        }));

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 4 }).RunAsync(p.Build());

        seen.Should().Equal(Input);
        maxInFlight.Should().Be(1);
    }

    [Fact]
    public async Task AsyncActionSink_RunCompletesOnlyAfterTheLastActionFinished()
    {
        var done = new ConcurrentBag<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2, 3 })).To(Sinks.Action<int>(async (x, ct) =>
        {
            await Task.Delay(5, ct);
            done.Add(x);
        }));

        await new BoundedExecutor().RunAsync(p.Build());

        done.Should().BeEquivalentTo([1, 2, 3]);
    }

    [Fact]
    public async Task AsyncActionSink_SynchronouslyCompletingAction_Works()
    {
        var seen = new List<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(Sinks.Action<int>((x, ct) =>
        {
            seen.Add(x);
            return ValueTask.CompletedTask;
        }));

        await new BoundedExecutor().RunAsync(p.Build());

        seen.Should().Equal(Input);
    }

    [Fact]
    public async Task AsyncActionSink_ReceivesTheRunsCancellationToken()
    {
        using var cts = new CancellationTokenSource();
        var tokens = new List<CancellationToken>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).To(Sinks.Action<int>((x, ct) =>
        {
            tokens.Add(ct);
            return ValueTask.CompletedTask;
        }));

        await new BoundedExecutor().RunAsync(p.Build(), cts.Token);

        tokens.Should().ContainSingle().Which.CanBeCanceled.Should().BeTrue();
        cts.Cancel();
        tokens[0].IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public async Task ChannelSink_WritesEveryElement_AndCompletesTheChannel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(Sinks.Channel(channel.Writer));

        await new BoundedExecutor().RunAsync(p.Build());

        var read = new List<int>();
        await foreach (var x in channel.Reader.ReadAllAsync()) read.Add(x);
        read.Should().Equal(Input);
        channel.Reader.Completion.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task CustomSink_IsOpened_WrittenInOrder_Completed_AndDisposed_OncePerRun()
    {
        var sink = new RecordingSink<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Input)).To(sink);
        var pipeline = p.Build();

        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 10 }).RunAsync(pipeline);

        sink.Items.Should().Equal(Input);
        sink.Events.Should().Equal("open", "complete", "dispose");
    }

    /// <summary>A sink that records its lifecycle calls.</summary>
    private sealed class RecordingSink<T> : Sink<T>
    {
        public List<T> Items { get; } = [];

        public List<string> Events { get; } = [];

        public override string Name => "recording";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
        {
            Events.Add("open");
            return new(new Writer(this));
        }

        private sealed class Writer(RecordingSink<T> owner) : SinkWriter<T>
        {
            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                owner.Items.AddRange(items.Span);
                return default;
            }

            public override ValueTask CompleteAsync(CancellationToken cancellationToken)
            {
                owner.Events.Add("complete");
                return default;
            }

            public override ValueTask DisposeAsync()
            {
                owner.Events.Add("dispose");
                return base.DisposeAsync();
            }
        }
    }
}
