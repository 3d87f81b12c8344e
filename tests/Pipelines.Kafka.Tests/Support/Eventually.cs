namespace Pipelines.Kafka.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes: the only way these tests wait for another thread.</summary>
internal static class Eventually
{
    public static Task True(Func<bool> condition, TimeSpan timeout, string what) => True(condition, timeout, () => what);

    /// <summary>As above; <paramref name="what"/> is described when the wait times out, so it can show the state at that moment.</summary>
    public static async Task True(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what()}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> has held without a break for <paramref name="hold"/> (a group that settled), or fails after <paramref name="timeout"/>.</summary>
    public static async Task Stable(Func<bool> condition, TimeSpan hold, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        DateTime? since = null;
        while (true)
        {
            var now = DateTime.UtcNow;
            if (condition())
            {
                since ??= now;
                if (now - since >= hold) return;
            }
            else
            {
                since = null;
            }

            if (now > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what()}.");
            await Task.Delay(20);
        }
    }
}
