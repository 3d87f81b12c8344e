using System.Collections.Concurrent;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace Pipelines.Tests.Connectors;

/// <summary><see cref="Sources.Channel{T}"/> over channels whose waits are backed by pooled operations.</summary>
public class ChannelSourceTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AWaitThatCompletedBeforeItWasLookedAt_IsConsumedOnce()
    {
        // Bounded channels back a wait with a pooled operation; when it completes between the call and the check,
        // reading it and then handing it on consumes it twice. This reader makes every wait such a one.
        var reader = new PooledWaitReader(Enumerable.Range(1, 100));
        var seen = new ConcurrentQueue<int>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(reader, "pooled")).To(Sinks.Action<int>(seen.Enqueue));

        await new StreamingExecutor().RunAsync(p.Build()).WaitAsync(HangGuard);

        seen.Should().Equal(Enumerable.Range(1, 100));
        reader.Waits.Should().BePositive();
    }

    /// <summary>Hands out one element per wait, every wait a completed value task that may be read once only.</summary>
    private sealed class PooledWaitReader(IEnumerable<int> items) : ChannelReader<int>
    {
        private readonly Queue<int> _items = new(items);
        private bool _released;

        public int Waits { get; private set; }

        public override bool TryRead(out int item)
        {
            if (_released && _items.TryDequeue(out item))
            {
                _released = false;
                return true;
            }

            item = 0;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            Waits++;
            _released = true;
            return new(new ReadOnce(_items.Count > 0), 0);
        }
    }

    /// <summary>A completed result that throws when read a second time, as a pooled operation does once reused.</summary>
    private sealed class ReadOnce(bool result) : IValueTaskSource<bool>
    {
        private int _reads;

        public bool GetResult(short token) =>
            Interlocked.Increment(ref _reads) == 1 ? result : throw new InvalidOperationException("The result of the operation was already consumed.");

        public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Succeeded;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => continuation(state);
    }
}
