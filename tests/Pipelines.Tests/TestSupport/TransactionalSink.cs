namespace Pipelines.Tests.TestSupport;

/// <summary>
/// The outside system a two-phase-commit sink writes to, which outlives every run: committed results, what each
/// checkpoint pre-committed (staged, invisible), and the checkpoints it was told were committed or aborted.
/// </summary>
internal sealed class Transactional<T>
{
    public readonly Lock Gate = new();
    public readonly List<T> Committed = [];
    public readonly SortedDictionary<long, List<T>> Staged = [];
    public readonly List<long> CommittedCheckpoints = [];
    public readonly List<long> AbortedCheckpoints = [];
    public int Settled;

    public void CommitUpTo(long checkpoint)
    {
        lock (Gate)
        {
            foreach (long id in Staged.Keys.Where(k => k <= checkpoint).ToList())
            {
                Committed.AddRange(Staged[id]);
                Staged.Remove(id);
            }
        }
    }

    public List<T> CommittedNow()
    {
        lock (Gate) return [.. Committed];
    }
}

/// <summary>
/// A two-phase-commit sink into a <see cref="Transactional{T}"/>: stages at the barrier, commits when the checkpoint
/// completes. With <c>failAt</c> ≥ 0 a writer throws an <see cref="IOException"/> once it has been given that many results.
/// </summary>
internal sealed class TransactionalSink<T>(Transactional<T> target, string name = "transactional", int failAt = -1) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(target, failAt));

    private sealed class Writer(Transactional<T> target, int failAt) : SinkWriter<T>
    {
        private List<T> _open = [];
        private int _written;

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            if (failAt >= 0 && _written + items.Length > failAt) throw new IOException($"injected failure at result {failAt}");
            _written += items.Length;
            _open.AddRange(items.Span);
            return default;
        }

        public override ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
        {
            lock (target.Gate) target.Staged[checkpointId] = _open;
            _open = [];
            return default;
        }

        public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
        {
            target.CommitUpTo(checkpointId);
            lock (target.Gate) target.CommittedCheckpoints.Add(checkpointId);
            Interlocked.Increment(ref target.Settled);
            return default;
        }

        public override ValueTask AbortCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
        {
            lock (target.Gate) target.AbortedCheckpoints.Add(checkpointId);
            Interlocked.Increment(ref target.Settled);
            return default;
        }

        public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
        {
            target.CommitUpTo(restoredCheckpointId ?? 0);
            lock (target.Gate) target.Staged.Clear();
            return default;
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            target.CommitUpTo(long.MaxValue);
            lock (target.Gate) target.Committed.AddRange(_open);
            _open = [];
            return default;
        }
    }
}
