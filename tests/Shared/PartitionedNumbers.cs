namespace Pipelines.TestSupport;

// Shared by the test projects that need a source whose keyed state moves (linked into each from tests/Shared).
/// <summary>
/// A bounded source of the numbers 0 to count − 1 that says the keyed stage after it keeps its state per partition
/// (two, by parity), as a Kafka repartition topic does: with a checkpoint storage, that state moves between instances
/// with its partitions, and the sinks after it hear so (<see cref="SinkCheckpointContext.AfterMovingState"/>). Its
/// position is how many numbers it returned.
/// </summary>
internal sealed class PartitionedNumbers(int count) : Source<int, NumbersRead>, IPartitionedStateSource
{
    public override string Name => "numbers";

    public override bool IsBounded => true;

    public int PartitionCount => 2;

    public Func<TKey, int>? PartitionerFor<TKey>() => typeof(TKey) == typeof(int) ? (Func<TKey, int>)(object)(Func<int, int>)(k => k % 2) : null;

    public bool TryGetPartitionOffset(object position, int partition, out long offset)
    {
        offset = ((NumbersRead)position).Count;
        return true;
    }

    public override ValueTask<SourceReader<int, NumbersRead>> OpenAsync(SourceContext context, NumbersRead? position, CancellationToken cancellationToken) =>
        new(new Reader(count, position?.Count ?? 0));

    private sealed class Reader(int count, int next) : SourceReader<int, NumbersRead>
    {
        public override int TryRead(Span<int> destination)
        {
            int n = Math.Min(destination.Length, count - next);
            for (int i = 0; i < n; i++) destination[i] = next++;
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(next < count);

        public override NumbersRead CapturePosition() => new(next);

        public override ValueTask CommitAsync(NumbersRead position, CancellationToken cancellationToken) => default;
    }
}

/// <summary>The position of a <see cref="PartitionedNumbers"/>: how many numbers it returned.</summary>
/// <param name="Count">Numbers returned so far.</param>
public sealed record NumbersRead(int Count);
