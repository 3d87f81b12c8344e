namespace Pipelines.Diagnostics;

/// <summary>The checkpoints of one run for <see cref="RunSnapshot"/>: counts, the last completed, the last ten.</summary>
internal sealed class CheckpointHistory(TimeProvider timeProvider)
{
    public const int Kept = 10;

    private readonly Lock _lock = new();
    private readonly Queue<CheckpointRecord> _recent = new();
    private CheckpointRecord? _lastCompleted;
    private long _completed;
    private long _failed;

    /// <summary>
    /// Checkpoint <paramref name="checkpoint"/> ended after <paramref name="duration"/>: completed (having written
    /// <paramref name="sizeBytes"/> to its storage, when it stores state), or failed with <paramref name="error"/>.
    /// </summary>
    public void Record(long checkpoint, TimeSpan duration, Exception? error, long? sizeBytes = null) =>
        Add(new CheckpointRecord(checkpoint, timeProvider.GetUtcNow(), duration, sizeBytes, error is null ? null : $"{error.GetType().Name}: {error.Message}"));

    public RunSnapshot Fill(RunSnapshot snapshot)
    {
        lock (_lock)
        {
            return snapshot with
            {
                CheckpointsCompleted = _completed,
                CheckpointsFailed = _failed,
                LastCompletedCheckpoint = _lastCompleted,
                RecentCheckpoints = _recent.Reverse().ToArray(),
            };
        }
    }

    private void Add(CheckpointRecord record)
    {
        lock (_lock)
        {
            if (record.Failed) _failed++;
            else
            {
                _completed++;
                _lastCompleted = record;
            }

            _recent.Enqueue(record);
            if (_recent.Count > Kept) _recent.Dequeue();
        }
    }
}
