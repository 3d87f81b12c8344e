using System.Collections.Concurrent;
using Pipelines.TestSupport;

namespace Pipelines.Tests.Checkpoints;

/// <summary>
/// After a keyed stage whose state moves with an exchange's partitions, a writer that accepts state partitions
/// (<see cref="SinkWriter{T}.AcceptsStatePartitions"/>) receives each result with the partition whose state produced
/// it — results of elements and of timers alike, through <c>Select</c> and <c>Where</c> — and hears, in order with the
/// results, of the partitions that moved away. That is what lets a sink commit each partition's results with the
/// exchange's position of that partition.
/// </summary>
public sealed class StatePartitionResultsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-state-partitions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Records what a writer that accepts state partitions receives, in order: results with their partitions, and revocations.</summary>
    private sealed class PartitionSink<T>(bool accepts = true) : Sink<T>
    {
        public ConcurrentQueue<(T Item, int Partition)> Results { get; } = new();

        public ConcurrentQueue<string> Events { get; } = new();

        public List<SinkCheckpointContext> Contexts { get; } = [];

        public List<T> Plain { get; } = [];

        public override string Name => "partitions";

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this, accepts));

        private sealed class Writer(PartitionSink<T> sink, bool accepts) : SinkWriter<T>
        {
            public override bool AcceptsStatePartitions => accepts;

            public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
            {
                sink.Contexts.Add(context);
                return default;
            }

            public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
            {
                lock (sink.Plain) sink.Plain.AddRange(items.ToArray());
                return default;
            }

            public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<int> partitions)
            {
                for (int i = 0; i < items.Length; i++)
                {
                    sink.Results.Enqueue((items[i], partitions[i]));
                    sink.Events.Enqueue($"{items[i]}@{partitions[i]}");
                }
            }

            public override void PartitionsRevoked(IReadOnlyList<int> partitions) => sink.Events.Enqueue($"revoked {string.Join(",", partitions)}");
        }
    }

    private StreamingOptions Options(int parallelism = 1) => new() { CheckpointStorage = CheckpointStorage.Directory(_directory), Parallelism = parallelism };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ResultsOfElements_CarryTheirKeysPartition_ThroughSelectAndWhere(int parallelism)
    {
        var sink = new PartitionSink<(int Key, int Sum)>();
        var p = new PipelineBuilder("state-partitions");
        p.From(new PartitionedNumbers(40))
            .KeyBy(x => x % 2)
            .Scan((Key: -1, Sum: 0), (acc, x) => (x % 2, acc.Sum + x))
            .Select(a => a)
            .Where(a => a.Sum >= 0)
            .To(sink);

        await new StreamingExecutor(Options(parallelism)).RunAsync(p.Build()).WaitAsync(Deadline);

        sink.Contexts.Should().ContainSingle().Which.ResultsCarryPartitions.Should().BeTrue();
        sink.Contexts[0].MovingStateSource.Should().BeOfType<PartitionedNumbers>();
        sink.Results.Should().HaveCount(40);
        sink.Results.Should().OnlyContain(r => r.Partition == r.Item.Key, "each running sum comes from its key's partition (the exchange's partitioner: parity)");
        sink.Plain.Should().BeEmpty("every result goes through Write with its partition");
    }

    [Fact]
    public async Task ResultsOfTimers_CarryTheirKeysPartition()
    {
        var sink = new PartitionSink<WindowResult<int, long>>();
        var p = new PipelineBuilder("state-partitions-windows");
        p.From(new PartitionedNumbers(60))
            .WithEventTime(x => DateTimeOffset.UnixEpoch.AddSeconds(x), Watermarks.Monotonic())
            .KeyBy(x => x % 2)
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(10)))
            .Sum(x => (long)x)
            .To(sink);

        await new StreamingExecutor(Options()).RunAsync(p.Build()).WaitAsync(Deadline);

        sink.Results.Should().NotBeEmpty();
        sink.Results.Should().OnlyContain(r => r.Partition == r.Item.Key, "a window fired by its timer is stamped with its key's partition");
    }

    [Fact]
    public async Task ResultsOfAJoinOfTwoStreamsSplitFromTheExchange_CarryTheirKeysPartition()
    {
        var sink = new PartitionSink<(int Key, int Left, int Right)>();
        var p = new PipelineBuilder("state-partitions-join");
        var numbers = p.From(new PartitionedNumbers(40)).WithEventTime(x => DateTimeOffset.UnixEpoch.AddSeconds(x), Watermarks.Monotonic());
        var left = numbers.Select(x => x).KeyBy(x => x % 2);
        var right = numbers.Select(x => x * 1).KeyBy(x => x % 2);

        // An interval join emits when an element finds its partner: results of elements, on either input.
        left.IntervalJoin(right, TimeSpan.Zero, TimeSpan.Zero, (a, b) => (Key: a % 2, Left: a, Right: b)).To(sink);

        await new StreamingExecutor(Options()).RunAsync(p.Build()).WaitAsync(Deadline);

        sink.Contexts.Should().ContainSingle().Which.ResultsCarryPartitions.Should().BeTrue();
        sink.Results.Select(r => r.Item).Should().BeEquivalentTo(Enumerable.Range(0, 40).Select(x => (x % 2, x, x)));
        sink.Results.Should().OnlyContain(r => r.Partition == r.Item.Key, "each pair is stamped with its key's partition, whichever input completed it");
    }

    [Fact]
    public async Task AnOperatorThatDoesNotCarryOrigins_EndsThePartitions_AndTheWriterGetsPlainWrites()
    {
        var sink = new PartitionSink<int>();
        var p = new PipelineBuilder("state-partitions-rekeyed");
        p.From(new PartitionedNumbers(20))
            .KeyBy(x => x % 2)
            .Scan(0, (sum, x) => sum + x)
            .KeyBy(x => x % 3)
            .Scan(0, (sum, x) => sum + x)
            .To(sink);

        await new StreamingExecutor(Options()).RunAsync(p.Build()).WaitAsync(Deadline);

        var context = sink.Contexts.Should().ContainSingle().Subject;
        context.AfterMovingState.Should().BeTrue();
        context.ResultsCarryPartitions.Should().BeFalse("a second keyed stage re-keys the results: their partition is no longer the moving state's");
        sink.Results.Should().BeEmpty();
        sink.Plain.Should().HaveCount(20);
    }

    [Fact]
    public async Task AWriterThatDoesNotAcceptPartitions_GetsPlainWrites()
    {
        var sink = new PartitionSink<int>(accepts: false);
        var p = new PipelineBuilder("state-partitions-plain");
        p.From(new PartitionedNumbers(20)).KeyBy(x => x % 2).Scan(0, (sum, x) => sum + x).To(sink);

        await new StreamingExecutor(Options()).RunAsync(p.Build()).WaitAsync(Deadline);

        sink.Contexts.Should().ContainSingle().Which.ResultsCarryPartitions.Should().BeTrue();
        sink.Plain.Should().HaveCount(20);
        sink.Results.Should().BeEmpty();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task APartitionThatMovesAway_IsReportedToTheWriter_AfterItsResultsAndBeforeAnyLaterOne(int parallelism)
    {
        var sink = new PartitionSink<(int Key, int Sum)>();
        var p = new PipelineBuilder("state-partitions-revoked");
        p.From(new MovingNumbers(revokeOddAfter: 6, count: 12))
            .KeyBy(x => x % 2)
            .Scan((Key: -1, Sum: 0), (acc, x) => (x % 2, acc.Sum + x))
            .To(sink);

        await new StreamingExecutor(Options(parallelism)).RunAsync(p.Build()).WaitAsync(Deadline);

        var events = sink.Events.ToList();
        events.Should().ContainSingle(e => e.StartsWith("revoked", StringComparison.Ordinal)).Which.Should().Be("revoked 1", "only the worker that owned partition 1 reports it");
        int revoked = events.IndexOf("revoked 1");
        events.Take(revoked).Count(e => e.EndsWith("@1", StringComparison.Ordinal)).Should().Be(3, "the results of 1, 3 and 5 come before the revocation");
        events.Skip(revoked + 1).Should().NotContain(e => e.EndsWith("@1", StringComparison.Ordinal), "after it the partition is gone");
        events.Count(e => e.EndsWith("@0", StringComparison.Ordinal)).Should().Be(6, "partition 0 stays: 0, 2, 4, 6, 8 and 10");
        if (parallelism == 1) events.Skip(revoked + 1).Should().HaveCount(3, "with one worker the results keep the source's order: 6, 8 and 10 come after the revocation");
    }

    /// <summary>
    /// The numbers 0 to count − 1, partitioned by parity like <see cref="PartitionedNumbers"/>, which assigns both
    /// partitions at its first read and loses partition 1 after <c>revokeOddAfter</c> numbers: from then on it reads
    /// only the even numbers.
    /// </summary>
    private sealed class MovingNumbers(int revokeOddAfter, int count) : Source<int, NumbersRead>, IPartitionedStateSource
    {
        private readonly PartitionedNumbers _partitions = new(count);

        public override string Name => "moving-numbers";

        public override bool IsBounded => true;

        public int PartitionCount => _partitions.PartitionCount;

        public Func<TKey, int>? PartitionerFor<TKey>() => _partitions.PartitionerFor<TKey>();

        public bool TryGetPartitionOffset(object position, int partition, out long offset) => _partitions.TryGetPartitionOffset(position, partition, out offset);

        public override ValueTask<SourceReader<int, NumbersRead>> OpenAsync(SourceContext context, NumbersRead? position, CancellationToken cancellationToken) =>
            new(new Reader(context, revokeOddAfter, count));

        private sealed class Reader(SourceContext context, int revokeOddAfter, int count) : SourceReader<int, NumbersRead>
        {
            private int _next = -1;

            public override int TryRead(Span<int> destination)
            {
                if (_next < 0)
                {
                    context.AssignPartitions([(0, null), (1, null)]);
                    _next = 0;
                    return 0;
                }

                int n = 0;
                while (n < destination.Length && _next < count)
                {
                    if (_next == revokeOddAfter && n > 0) break;
                    if (_next == revokeOddAfter && !_revoked)
                    {
                        context.RevokePartitions([1]);
                        _revoked = true;
                        break;
                    }

                    if (!_revoked || _next % 2 == 0) destination[n++] = _next;
                    _next++;
                }

                return n;
            }

            private bool _revoked;

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_next < count);

            public override NumbersRead CapturePosition() => new(Math.Max(_next, 0));

            public override ValueTask CommitAsync(NumbersRead position, CancellationToken cancellationToken) => default;
        }
    }
}
