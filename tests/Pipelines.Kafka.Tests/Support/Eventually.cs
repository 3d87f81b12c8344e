namespace Pipelines.Kafka.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes: the only way these tests wait for another thread.</summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            await Task.Delay(20);
        }
    }
}
