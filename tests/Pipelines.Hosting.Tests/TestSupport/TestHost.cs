using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipelines.Hosting.Tests.TestSupport;

/// <summary>A real in-process host (<see cref="Host.CreateApplicationBuilder()"/>) whose logs go to a list.</summary>
public static class TestHost
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    public static HostApplicationBuilder CreateBuilder(ListLoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs ?? new ListLoggerProvider());
        return builder;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails after <see cref="HangGuard"/>.</summary>
    public static async Task Eventually(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {because}.");
            await Task.Delay(5);
        }
    }
}
