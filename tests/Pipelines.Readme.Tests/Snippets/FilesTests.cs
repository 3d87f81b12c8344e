using CsvHelper;
using Pipelines.Files;

namespace Pipelines.Readme.Tests.Snippets;

/// <summary>
/// The README's file example, run in a temporary working directory: trades followed from CSV files, a malformed
/// line dead-lettered, volumes per symbol and minute written as JSON Lines, one folder per window.
/// </summary>
public sealed class FilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-readme-" + Guid.NewGuid().ToString("N"));
    private readonly string _previous = Environment.CurrentDirectory;

    public FilesTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "in"));
        Environment.CurrentDirectory = _directory;
    }

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Files_FollowsTheTrades_DeadLettersTheBadLine_AndWritesVolumes()
    {
        File.WriteAllText("in/trades-1.csv", string.Join('\n',
            "Symbol,Time,Quantity",
            "ACME,2026-01-01T09:00:01Z,5",
            "ACME,2026-01-01T09:00:30Z,7",
            "ACME,not a time,1",
            "INIT,2026-01-01T09:01:10Z,3",
            ""));
        var log = new Log();

        #region README: files
        var p = new PipelineBuilder().WithDeadLetterSink(Sinks.Action<DeadLetter>(d => log.Warn(d.ToString())));
        p.From(FileSources.Csv<Trade>("in/trades-*.csv", new FileSourceOptions { Follow = true, CheckpointPath = "state/trades.json" }))
         .OnError(ErrorPolicy.DeadLetter)
         .WithEventTime(t => t.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
         .KeyBy(t => t.Symbol).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Sum(t => t.Quantity)
         .To(FileSinks.JsonLines("out/volumes", new FileSinkOptions { MaxFileBytes = 64 << 20 }, FileSinks.ByWindow<string, int>()));
        var run = new StreamingExecutor().Start(p.Build());   // … and on shutdown: await run.StopAsync();
        #endregion

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (run.ElementsRead < 3 || log.Lines.Count < 1)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The trades were not read within 15 s.");
            await Task.Delay(10);
        }

        var summary = await run.Completion.WaitAsync(TimeSpan.FromMilliseconds(1)).ContinueWith(_ => (RunSummary?)null);
        summary.Should().BeNull("a followed file keeps the run going");
        await run.StopAsync();

        log.Lines.Should().ContainSingle().Which.Should().Contain("trades-1.csv").And.Contain("line 4");
        var written = Directory.EnumerateFiles("out/volumes").Select(File.ReadAllText).OrderBy(t => t, StringComparer.Ordinal).ToList();
        written.Should().HaveCount(2);
        written[0].Should().Contain("\"key\":\"ACME\"").And.Contain("\"value\":12");
        written[1].Should().Contain("\"key\":\"INIT\"").And.Contain("\"value\":3");
        File.Exists("state/trades.json").Should().BeTrue();
    }

    private sealed class Log
    {
        public List<string> Lines { get; } = [];

        public void Warn(string message)
        {
            lock (Lines) Lines.Add(message);
        }
    }
}

#region README: files
[CsvRecord] public sealed partial record Trade(string Symbol, DateTimeOffset Time, int Quantity);
#endregion
