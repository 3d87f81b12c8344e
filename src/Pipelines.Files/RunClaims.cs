namespace Pipelines.Files;

/// <summary>
/// What runs in this process are using now (a sink's output names, a source's checkpoint file), so a second run
/// that would collide with the first is refused with a clear error instead of overwriting or splitting its work.
/// </summary>
internal static class RunClaims
{
    private static readonly HashSet<string> Claimed = new(StringComparer.Ordinal);

    /// <summary>Claims <paramref name="key"/>, or throws <paramref name="refusal"/>'s message when a run holds it.</summary>
    public static IDisposable Take(string key, Func<string> refusal)
    {
        lock (Claimed)
        {
            if (!Claimed.Add(key)) throw new InvalidOperationException(refusal());
        }

        return new Claim(key);
    }

    private sealed class Claim(string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (Claimed) Claimed.Remove(key);
        }
    }
}
