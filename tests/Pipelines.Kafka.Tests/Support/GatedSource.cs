namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// Wraps a source (through the public contract only) so that its reader hands out no more records than the test
/// allows: a test reads part of a topic, exactly, and the wrapped reader is not even polled while nothing is allowed.
/// </summary>
internal sealed class GatedSource<T, TPosition>(Source<T, TPosition> inner, ReadBudget budget) : Source<T, TPosition>
    where TPosition : class
{
    public override string Name => inner.Name;

    public override bool IsBounded => inner.IsBounded;

    public override bool ProvidesEventTime => inner.ProvidesEventTime;

    public override ErrorPolicy? BadRecordPolicy => inner.BadRecordPolicy;

    public override async ValueTask<SourceReader<T, TPosition>> OpenAsync(SourceContext context, TPosition? position, CancellationToken cancellationToken) =>
        new Reader(await inner.OpenAsync(context, position, cancellationToken), budget);

    private sealed class Reader(SourceReader<T, TPosition> inner, ReadBudget budget) : SourceReader<T, TPosition>
    {
        public override bool CommitsDuringRun => inner.CommitsDuringRun;

        public override bool ProvidesTimestamps => inner.ProvidesTimestamps;

        public override int TryRead(Span<T> destination)
        {
            int allowed = budget.Enter(destination.Length);
            int n = 0;
            try
            {
                if (allowed > 0) n = inner.TryRead(destination[..allowed]);
            }
            finally
            {
                budget.Exit(n);
            }

            return n;
        }

        public override int TryRead(Span<T> destination, Span<long> timestamps)
        {
            int allowed = budget.Enter(destination.Length);
            int n = 0;
            try
            {
                if (allowed > 0) n = inner.TryRead(destination[..allowed], timestamps[..allowed]);
            }
            finally
            {
                budget.Exit(n);
            }

            return n;
        }

        public override bool TryTakeWatermark(out DateTimeOffset watermark) => inner.TryTakeWatermark(out watermark);

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            await budget.WhenAllowedAsync(cancellationToken);
            return await inner.WaitToReadAsync(cancellationToken);
        }

        public override TPosition CapturePosition() => inner.CapturePosition();

        public override ValueTask CommitAsync(TPosition position, CancellationToken cancellationToken) => inner.CommitAsync(position, cancellationToken);

        public override ValueTask CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>How many more records a <see cref="GatedSource{T, TPosition}"/> may hand out.</summary>
internal sealed class ReadBudget(long allowed)
{
    private readonly Lock _gate = new();
    private long _remaining = allowed;
    private TaskCompletionSource _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Allow(long more)
    {
        TaskCompletionSource raised;
        lock (_gate)
        {
            _remaining += more;
            raised = _raised;
            _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        raised.TrySetResult();
    }

    /// <summary>Allows nothing more; returns once no read is in progress, so nothing is handed out after it.</summary>
    public void Close()
    {
        lock (_gate) _remaining = 0;
    }

    /// <summary>Starts a read of at most <paramref name="wanted"/> records: how many it may take. Holds the gate (so <see cref="Close"/> waits) until <see cref="Exit"/>.</summary>
    public int Enter(int wanted)
    {
        _gate.Enter();
        return (int)Math.Min(wanted, _remaining);
    }

    /// <summary>Ends a read that took <paramref name="taken"/> records.</summary>
    public void Exit(int taken)
    {
        _remaining -= taken;
        _gate.Exit();
    }

    public async Task WhenAllowedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task raised;
            lock (_gate)
            {
                if (_remaining > 0) return;
                raised = _raised.Task;
            }

            await raised.WaitAsync(cancellationToken);
        }
    }
}
