namespace Pipelines.Tests.TestSupport;

/// <summary>
/// A source over a list that records what the executor did with it: whether it was opened and disposed, and how
/// many elements were read. <see cref="OnRead"/> runs after each element is handed out (e.g. to cancel a run).
/// </summary>
internal sealed class ProbeSource<T>(IReadOnlyList<T> items, bool isBounded = true, string name = "probe") : Source<T>
{
    public IReadOnlyList<T> Items { get; } = items;

    public int Opened { get; private set; }

    public int Disposed { get; private set; }

    public int Read { get; private set; }

    public Action<int>? OnRead { get; init; }

    public override string Name => name;

    public override bool IsBounded => isBounded;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        Opened++;
        return new(new Reader(this));
    }

    private sealed class Reader(ProbeSource<T> owner) : SourceReader<T>
    {
        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && owner.Read < owner.Items.Count)
            {
                destination[n++] = owner.Items[owner.Read++];
                owner.OnRead?.Invoke(owner.Read);
            }

            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(owner.Read < owner.Items.Count);

        public override ValueTask DisposeAsync()
        {
            owner.Disposed++;
            return base.DisposeAsync();
        }
    }
}
