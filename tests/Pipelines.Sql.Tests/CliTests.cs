using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Pipelines.Sql.Tests;

/// <summary>The pipelines command run as a process, on the sample shipped in the repository.</summary>
public sealed class CliTests
{
    private static readonly string Repository = FindRepository();

    [Fact]
    public async Task Sql_WritesJsonLines_ThatParseBackToTheRightAnswers()
    {
        var (exit, stdout, stderr) = await RunAsync("sql", Path.Combine(Repository, "samples", "Sql", "delays.sql"), "--format", "jsonl");
        exit.Should().Be(0, stderr);

        // The same question answered here from the shipped file: departures per hour and origin, and the worst delay.
        var expected = File.ReadLines(Path.Combine(Repository, "samples", "Sql", "flights.csv")).Skip(1)
            .Select(line => line.Split(','))
            .GroupBy(f => (Hour: DateTime.ParseExact(f[4], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd'T'HH':00:00.000Z'", CultureInfo.InvariantCulture), Origin: f[1]))
            .OrderBy(g => g.Key.Hour, StringComparer.Ordinal).ThenBy(g => g.Key.Origin, StringComparer.Ordinal)
            .Select(g => $"{g.Key.Hour} {g.Key.Origin} {g.Count()} {g.Where(f => f[5].Length > 0).Max(f => int.Parse(f[5], CultureInfo.InvariantCulture))}")
            .ToList();

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var actual = lines.Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var o = json.RootElement;
            o.EnumerateObject().Select(p => p.Name).Should().Equal("window_start", "origin", "departures", "avg_delay", "worst");
            o.GetProperty("departures").ValueKind.Should().Be(JsonValueKind.Number);
            return $"{o.GetProperty("window_start").GetString()} {o.GetProperty("origin").GetString()} {o.GetProperty("departures").GetInt64()} {o.GetProperty("worst").GetInt32()}";
        }).ToList();
        actual.Should().Equal(expected);
        stderr.Should().Contain("batch: 60 rows read");
    }

    [Fact]
    public async Task Sql_Error_ExitsNonZero_WithOneParagraphAndNothingOnStdout()
    {
        string csv = Path.Combine(Repository, "samples", "Sql", "flights.csv").Replace("'", "''", StringComparison.Ordinal);
        var (exit, stdout, stderr) = await RunAsync("sql", "-e",
            $"CREATE TABLE flights (origin STRING, dest STRING) WITH ('connector' = 'filesystem', 'path' = '{csv}', 'format' = 'csv');\nSELECT orign FROM flights",
            "--format", "jsonl");
        exit.Should().Be(2);
        stdout.Should().BeEmpty();
        stderr.Trim().Split('\n').Should().ContainSingle().Which.Should().Be("error: -e: line 2, column 8: unknown column 'orign' in table 'flights'; did you mean 'origin'?");
    }

    [Fact]
    public async Task Sql_Csv_ToAnOutputFile()
    {
        string output = Path.Combine(Path.GetTempPath(), $"pipelines-cli-{Guid.NewGuid():N}.csv");
        try
        {
            var (exit, stdout, stderr) = await RunAsync("sql", Path.Combine(Repository, "samples", "Sql", "delays.sql"), "-o", output, "--format", "csv", "--mode", "streaming");
            exit.Should().Be(0, stderr);
            stdout.Should().BeEmpty();
            stderr.Should().Contain("stream: 60 rows read");
            var lines = File.ReadAllLines(output);
            lines[0].Should().Be("window_start,origin,departures,avg_delay,worst");
            lines.Should().HaveCount(16);
            lines[1].Should().StartWith("2024-05-01T06:00:00.000Z,AMS,10,");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Theory]
    [InlineData("jsonl", "{\"id\":1,\"name\":\"first\"}")]
    [InlineData("csv", "1,first")]
    public async Task Streaming_EachRowReachesTheOutput_WithoutWaitingForMoreRows(string format, string expected)
    {
        // A followed file with one row: a stream that emits one row and then nothing. The row must reach stdout while
        // the command still runs, as an alert would, not wait for a buffer's worth of rows that never come.
        string folder = Path.Combine(Path.GetTempPath(), $"pipelines-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "events.csv"), "id,name\n1,first\n");
            string path = folder.Replace("'", "''", StringComparison.Ordinal);
            using var process = Start("sql", "-q", "--format", format, "-e",
                $"CREATE TABLE events (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '{path}/events.csv', 'format' = 'csv', 'source.monitor-interval' = '1 s');\nSELECT id, name FROM events");
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                var lines = new List<string>();
                while (!lines.Contains(expected))
                {
                    string? line = await process.StandardOutput.ReadLineAsync(deadline.Token);
                    if (line is null)
                    {
                        // The command ended: its error output is complete, and says why.
                        throw new Xunit.Sdk.XunitException($"the command ended before writing the row: {await stderr.WaitAsync(TimeSpan.FromSeconds(30))}");
                    }

                    lines.Add(line);
                }

                process.HasExited.Should().BeFalse("the stream goes on; the row came before its end");
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs the SQL <paramref name="statements"/> (after a table over the shipped flights) to a CSV output file that holds an earlier report; returns the exit code, the error output and what the file holds after.</summary>
    private static async Task<(int Exit, string Stderr, string Output)> RunOverAnEarlierOutputAsync(string columns, string statements)
    {
        string output = Path.Combine(Path.GetTempPath(), $"pipelines-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(output, "yesterday's report\n");
        try
        {
            string csv = Path.Combine(Repository, "samples", "Sql", "flights.csv").Replace("'", "''", StringComparison.Ordinal);
            var (exit, _, stderr) = await RunAsync("sql", "-o", output, "--format", "csv", "-e",
                $"CREATE TABLE flights ({columns}) WITH ('connector' = 'filesystem', 'path' = '{csv}', 'format' = 'csv');\n{statements}");
            return (exit, stderr, await File.ReadAllTextAsync(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task AScriptThatCannotRun_LeavesAnEarlierOutputFileAsItWas()
    {
        var (exit, stderr, output) = await RunOverAnEarlierOutputAsync("origin STRING, dest STRING", "SELECT orign FROM flights");

        exit.Should().Be(2, stderr);
        output.Should().Be("yesterday's report\n");
    }

    [Fact]
    public async Task AResultWithoutRows_IsWrittenAsItsHeader_ReplacingAnEarlierOutput()
    {
        var (exit, stderr, output) = await RunOverAnEarlierOutputAsync("flight STRING, origin STRING", "SELECT flight, origin FROM flights WHERE origin = 'XXX'");

        exit.Should().Be(0, stderr);
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("flight,origin");
    }

    [Fact]
    public async Task Sigterm_DrainsAStream_SoItsOpenWindowReachesTheOutput()
    {
        if (OperatingSystem.IsWindows()) return;
        string folder = Path.Combine(Path.GetTempPath(), $"pipelines-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            // The 06:00 window closes when 07:30 comes in; the 07:00 one is open until the run is stopped.
            await File.WriteAllTextAsync(Path.Combine(folder, "events.csv"), "id,at\n1,2024-05-01 06:10:00\n2,2024-05-01 06:20:00\n3,2024-05-01 07:30:00\n");
            string path = folder.Replace("'", "''", StringComparison.Ordinal);
            using var process = Start("sql", "-q", "--format", "jsonl", "-e",
                $"CREATE TABLE events (id INT, at TIMESTAMP(3), WATERMARK FOR at AS at - INTERVAL '1' MINUTE) WITH ('connector' = 'filesystem', 'path' = '{path}/events.csv', 'format' = 'csv', 'source.monitor-interval' = '1 s');\n" +
                "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(at), INTERVAL '1' HOUR)) GROUP BY window_start, window_end");
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                string? first = await process.StandardOutput.ReadLineAsync(deadline.Token);
                first.Should().NotBeNull(await (first is null ? stderr : Task.FromResult(string.Empty)));
                first.Should().Contain("06:00:00").And.Contain("\"n\":2");

                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(deadline.Token);
                string rest = await process.StandardOutput.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token);

                rest.Should().Contain("07:00:00").And.Contain("\"n\":1", "the drain fired the open window: {0}", await stderr);
                process.ExitCode.Should().Be(0, "a stream that drained ended as it should, as with Ctrl+C");
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipelines.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (with Pipelines.sln) was not found above the test's folder.");
    }
}
