using Microsoft.Extensions.Time.Testing;

namespace Pipelines.Tests.TestSupport;

/// <summary>Where a <see cref="PacedSource{T}"/> resumes: the index of the next element.</summary>
public sealed record PacedPosition(int Next);

/// <summary>
/// A bounded source over a fixed list that resumes at an index, for checkpoint tests. After the <c>n</c>-th element it
/// advances the fake clock by one second <c>advancesAfter(n)</c> times, each time waiting (a second of real time at
/// most) for <c>settled</c> to change, so each checkpoint the clock triggers ends before the source goes on. It throws
/// an <see cref="IOException"/> when it comes to element <c>failAt</c>, and reads no further than <see cref="Limit"/>.
/// </summary>
internal sealed class PacedSource<T>(
    IReadOnlyList<T> data,
    FakeTimeProvider? clock = null,
    Func<int, int>? advancesAfter = null,
    Func<int>? settled = null,
    int failAt = -1,
    int limit = int.MaxValue) : Source<T, PacedPosition>
{
    private int _read;

    public override string Name => "paced";

    public override bool IsBounded => true;

    /// <summary>Where the last open resumed (−1 before it opened).</summary>
    public int Opened { get; private set; } = -1;

    /// <summary>The index of the next element the reader returns.</summary>
    public int Read => Volatile.Read(ref _read);

    public override ValueTask<SourceReader<T, PacedPosition>> OpenAsync(SourceContext context, PacedPosition? position, CancellationToken cancellationToken)
    {
        Opened = position?.Next ?? 0;
        Volatile.Write(ref _read, Opened);
        return new(new Reader(this));
    }

    private sealed class Reader(PacedSource<T> source) : SourceReader<T, PacedPosition>
    {
        private int _advances;

        public override bool CommitsDuringRun => false;

        public override PacedPosition CapturePosition() => new(source.Read);

        public override ValueTask CommitAsync(PacedPosition position, CancellationToken cancellationToken) => default;

        public override int TryRead(Span<T> destination)
        {
            if (_advances > 0) return 0;
            int n = 0, next = source.Read;
            while (n < Math.Min(destination.Length, 5) && next < source.Data.Count && next < source.Limit)
            {
                if (next == source.FailAt) throw new IOException($"injected failure at element {next}");
                destination[n++] = source.Data[next++];
                _advances = source.AdvancesAfter?.Invoke(next) ?? 0;
                if (_advances > 0) break;
            }

            Volatile.Write(ref source._read, next);
            return n;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            for (; _advances > 0; _advances--)
            {
                int before = source.Settled?.Invoke() ?? 0;
                source.Clock!.Advance(TimeSpan.FromSeconds(1));
                var until = DateTime.UtcNow.AddSeconds(1);
                while (source.Settled is { } settled && settled() <= before && DateTime.UtcNow < until) await Task.Delay(1, cancellationToken);
            }

            while (source.Read < source.Data.Count && source.Read >= source.Limit) await Task.Delay(5, cancellationToken);
            return source.Read < source.Data.Count;
        }
    }

    private IReadOnlyList<T> Data => data;

    private FakeTimeProvider? Clock => clock;

    private Func<int, int>? AdvancesAfter => advancesAfter;

    private Func<int>? Settled => settled;

    private int FailAt => failAt;

    private int Limit => limit;
}
