using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Pipelines.Files.Tests;

/// <summary>
/// A real process — file source, event-time windows per key, file sink, a checkpoint storage — killed with SIGKILL
/// twice while it runs and then restarted to the end: its visible output holds every (key, window) exactly once,
/// with the count of a bounded run, and finished files are visible after the first kill.
/// </summary>
public sealed class KilledProcessTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Target => Path.Combine(AppContext.BaseDirectory, "Pipelines.Files.CrashTarget.dll");

    [Fact]
    public async Task AProcessKilledTwiceAndRestarted_WritesEveryWindowExactlyOnce()
    {
        string input = _dir["readings.jsonl"], output = _dir["out"], checkpoints = _dir["checkpoints"], expectedDir = _dir["expected"];
        WriteReadings(input, seed: 11, count: 60_000, keys: 50);

        (await RunToEndAsync("bounded", input, expectedDir)).Should().Be(0);
        var expected = ReadCounts(expectedDir);
        expected.Should().HaveCountGreaterThan(1000);

        // First run: killed after a checkpoint has made output visible.
        await KillWhenAsync(Start("streaming", input, output, checkpoints), output, () => VisibleFiles(output).Length > 0, "a checkpoint to publish files");
        var afterFirstKill = VisibleFiles(output);
        afterFirstKill.Should().NotBeEmpty("files are published at checkpoints, during the run");
        long stored = LatestCheckpoint(checkpoints);
        log.WriteLine($"first kill: {afterFirstKill.Length} files visible, checkpoint {stored} stored");

        // Second run: restored, killed after it has stored checkpoints of its own.
        await KillWhenAsync(Start("streaming", input, output, checkpoints), output, () => LatestCheckpoint(checkpoints) > stored + 1, "the restarted run to store checkpoints");
        log.WriteLine($"second kill: {VisibleFiles(output).Length} files visible, checkpoint {LatestCheckpoint(checkpoints)} stored");

        // Third run: to the end.
        var last = Start("streaming", input, output, checkpoints);
        await WaitForExitAsync(last, TimeSpan.FromSeconds(60));
        last.ExitCode.Should().Be(0, await last.StandardError.ReadToEndAsync());

        var actual = ReadCounts(output);
        foreach (var duplicate in actual.GroupBy(c => (c.Key, c.Start)).Where(g => g.Count() > 1).Take(5)) log.WriteLine($"written twice: {duplicate.Key}");
        actual.Select(c => (c.Key, c.Start)).Should().OnlyHaveUniqueItems("no (key, window) is written twice");
        actual.Should().BeEquivalentTo(expected, "every (key, window) is written once, with the count of an uninterrupted run");
        _dir.Files("out", includeHidden: true).Should().OnlyContain(f => !f.StartsWith('.'), "no hidden file is left at the end");
    }

    /// <summary>Readings of <paramref name="keys"/> keys, 10 ms of event time apart, up to half a second out of order.</summary>
    private static void WriteReadings(string path, int seed, int count, int keys)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path);
        for (int i = 0; i < count; i++)
        {
            long ms = 1_700_000_000_000L + (i * 10L) + random.Next(500);
            writer.Write($"{{\"key\":\"k{random.Next(keys)}\",\"ms\":{ms.ToString(CultureInfo.InvariantCulture)}}}\n");
        }
    }

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Target);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task<int> RunToEndAsync(params string[] args)
    {
        using var process = Start(args);
        await WaitForExitAsync(process, TimeSpan.FromSeconds(60));
        return process.ExitCode;
    }

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
    }

    /// <summary>
    /// Polls <paramref name="condition"/>, then waits for the sink to start three more files (so the kill falls
    /// between checkpoints, after files were finished that no stored checkpoint covers yet), then kills the process
    /// with SIGKILL; fails when the process ends first.
    /// </summary>
    private static async Task KillWhenAsync(Process process, string output, Func<bool> condition, string what)
    {
        using (process)
        {
            await WaitAsync(process, condition, what);
            int files = AllFiles(output);
            await WaitAsync(process, () => AllFiles(output) >= files + 3, "three more files after " + what);
            process.Kill(entireProcessTree: true);
            await WaitForExitAsync(process, TimeSpan.FromSeconds(10));
        }
    }

    private static int AllFiles(string directory) => Directory.Exists(directory) ? Directory.EnumerateFiles(directory).Count() : 0;

    private static async Task WaitAsync(Process process, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The run ended (exit code {process.ExitCode}) before {what}: {await process.StandardError.ReadToEndAsync()}");
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(2);
        }
    }

    private static string[] VisibleFiles(string directory) =>
        Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, "*.jsonl").Where(f => !Path.GetFileName(f).StartsWith('.'))] : [];

    /// <summary>The newest checkpoint with a manifest in the storage directory, or 0.</summary>
    private static long LatestCheckpoint(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory, "chk-*")
                .Where(d => File.Exists(Path.Combine(d, "_manifest")))
                .Select(d => long.Parse(Path.GetFileName(d)["chk-".Length..], CultureInfo.InvariantCulture))
                .DefaultIfEmpty(0)
                .Max()
            : 0;

    private static List<(string Key, DateTimeOffset Start, long Count)> ReadCounts(string directory)
    {
        var counts = new List<(string, DateTimeOffset, long)>();
        foreach (string file in VisibleFiles(directory))
        {
            foreach (string line in File.ReadLines(file))
            {
                var row = JsonDocument.Parse(line).RootElement;
                counts.Add((row.GetProperty("key").GetString()!, row.GetProperty("start").GetDateTimeOffset(), row.GetProperty("count").GetInt64()));
            }
        }

        return counts;
    }
}
