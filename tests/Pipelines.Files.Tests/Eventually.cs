namespace Pipelines.Files.Tests;

/// <summary>Polls a condition with a deadline: the way to wait for a live feed without sleeping as synchronization.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(5);
        }
    }
}
