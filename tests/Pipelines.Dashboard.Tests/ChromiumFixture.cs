using System.Diagnostics;
using Microsoft.Playwright;

namespace Pipelines.Dashboard.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>) driven by Playwright. Playwright's driver (with its own Node.js)
/// ships in the NuGet package, and the browser is the system's, so nothing is downloaded. When the browser is
/// missing, it is installed with apt-get (as CI runs as root, and <c>.ci/run</c> installs it first); if that fails the
/// test fails, it is never skipped.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath)) await InstallAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = Args });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private static async Task InstallAsync()
    {
        // Another installation may hold the package manager's lock (a machine being provisioned): wait for it.
        var start = new ProcessStartInfo("/bin/sh", ["-c", "apt-get -o DPkg::Lock::Timeout=600 update; apt-get -o DPkg::Lock::Timeout=600 install -y chromium"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start apt-get to install chromium.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        // What counts is the browser being there (whoever installed it meanwhile).
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing and 'apt-get install -y chromium' failed (exit {process.ExitCode}); install the chromium package as root. " +
                $"{await error}{Environment.NewLine}{(await output)[^Math.Min(2000, (await output).Length)..]}");
        }
    }
}
