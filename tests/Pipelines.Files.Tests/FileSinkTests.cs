namespace Pipelines.Files.Tests;

public sealed class FileSinkTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p, CancellationToken cancellationToken = default) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p.Build(), cancellationToken)
        : new StreamingExecutor(new StreamingOptions { Parallelism = 2, MaxBatchSize = 16, IdleTimeout = Timeout.InfiniteTimeSpan }).RunAsync(p.Build(), cancellationToken).WaitAsync(TimeSpan.FromSeconds(30));

    private static List<Reading> Readings(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Reading("s" + (i % 3), i * 0.5, T0.AddSeconds(i)))];

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task JsonLines_RoundTrip(string executor)
    {
        var readings = Readings(500);
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(readings)).To(FileSinks.JsonLines<Reading>(_dir["out"]));
        await RunAsync(executor, write);
        _dir.Files("out").Should().Equal("part-000001.jsonl");

        var read = new Collected<Reading>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Reading>(_dir["out/*.jsonl"])).To(read.Sink);
        await RunAsync(executor, p);
        read.Items.Should().Equal(readings);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Csv_RoundTrip_WithFieldsThatNeedQuoting(string executor)
    {
        var trades = Enumerable.Range(0, 300).Select(i => new Trade(i % 7 == 0 ? $"a,\"b\"\n{i}" : $"S{i}", i + 0.25m, i)).ToList();
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(trades)).To(FileSinks.Csv<Trade>(_dir["out"]));
        await RunAsync(executor, write);

        var read = new Collected<Trade>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["out/*.csv"])).To(read.Sink);
        await RunAsync(executor, p);
        read.Items.Should().Equal(trades);
        File.ReadAllText(_dir["out/part-000001.csv"]).Should().StartWith("Symbol,Price,Quantity");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task RollsBySize_EveryFinishedFileButTheLastHoldsAtLeastTheLimit(string executor)
    {
        var readings = Readings(1000);
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(readings)).To(FileSinks.JsonLines<Reading>(_dir["out"], new FileSinkOptions { FilePrefix = "readings", MaxFileBytes = 4096 }));
        await RunAsync(executor, write);

        var files = _dir.Files("out");
        files.Should().HaveCountGreaterThan(5).And.OnlyContain(f => f.StartsWith("readings-", StringComparison.Ordinal));
        var sizes = files.Select(f => new FileInfo(_dir[Path.Combine("out", f)]).Length).ToList();
        sizes.SkipLast(1).Should().OnlyContain(s => s >= 4096 && s < 4096 + 200);

        var read = new Collected<Reading>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Reading>(_dir["out/readings-*.jsonl"])).To(read.Sink);
        await RunAsync(executor, p);
        read.Items.Should().Equal(readings);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ByWindow_WritesOneFilePerEventTimeWindow(string executor)
    {
        var readings = Readings(600); // ten minutes, one reading a second

        // The bounded executor emits windows in order, so two open files suffice; streaming workers interleave theirs.
        int openFiles = executor == "bounded" ? 2 : 16;
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(readings))
            .WithEventTime(r => r.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
            .KeyBy(r => r.Sensor)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(FileSinks.JsonLines(_dir["counts"], new FileSinkOptions { FilePrefix = "counts", MaxOpenFiles = openFiles }, FileSinks.ByWindow<string, long>()));
        await RunAsync(executor, p);

        var files = _dir.Files("counts");
        files.Should().HaveCount(10);
        files[0].Should().Be("counts-20260301T120000000Z-000001.jsonl");
        foreach (string file in files)
        {
            var lines = File.ReadAllLines(_dir[Path.Combine("counts", file)]);
            lines.Should().HaveCount(3, "each window has one count per sensor");
            lines.Should().OnlyContain(l => l.Contains("\"value\":20"));
        }

        _dir.Files("counts", includeHidden: true).Should().HaveCount(10, "no temporary file is left behind");
    }

    [Fact]
    public async Task WhileAFileIsWritten_OnlyItsHiddenTemporaryFileExists()
    {
        var gate = new SemaphoreSlim(0);
        var feed = System.Threading.Channels.Channel.CreateUnbounded<Reading>();
        var p = new PipelineBuilder();
        p.From(Sources.Channel(feed.Reader)).To(FileSinks.JsonLines<Reading>(_dir["out"]));
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1 }).Start(p.Build());
        foreach (var r in Readings(10)) await feed.Writer.WriteAsync(r);

        await Eventually.HoldsAsync(() => _dir.Files("out", includeHidden: true).Length == 1 && run.ElementsRead == 10, "the run writes");
        _dir.Files("out").Should().BeEmpty("the file is not finished yet");
        _dir.Files("out", includeHidden: true).Should().Equal(".part-000001.jsonl.inprogress");

        feed.Writer.Complete();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        _dir.Files("out", includeHidden: true).Should().Equal("part-000001.jsonl");
        File.ReadAllLines(_dir["out/part-000001.jsonl"]).Should().HaveCount(10);
        gate.Dispose();
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task AFailedRun_LeavesNoFiles(string executor)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Readings(200)))
            .Select(r => r.Value > 90 ? throw new InvalidDataException("bad reading") : r)
            .To(FileSinks.JsonLines<Reading>(_dir["out"]));
        var act = () => RunAsync(executor, p);
        await act.Should().ThrowAsync<PipelineExecutionException>();
        _dir.Files("out", includeHidden: true).Should().BeEmpty();
    }

    [Fact]
    public async Task ANewRun_NumbersItsFilesAfterTheExistingOnes()
    {
        for (int run = 0; run < 3; run++)
        {
            var p = new PipelineBuilder();
            p.From(Sources.Enumerable(Readings(5))).To(FileSinks.JsonLines<Reading>(_dir["out"]));
            await new BoundedExecutor().RunAsync(p.Build());
        }

        _dir.Files("out").Should().Equal("part-000001.jsonl", "part-000002.jsonl", "part-000003.jsonl");
    }

    [Fact]
    public async Task ANewRun_NumbersPastATemporaryFileACrashedRunLeftBehind()
    {
        Directory.CreateDirectory(_dir["out"]);
        File.WriteAllText(_dir["out/.part-000003.jsonl.inprogress"], "{\"half\":");
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Readings(5))).To(FileSinks.JsonLines<Reading>(_dir["out"]));
        await new BoundedExecutor().RunAsync(p.Build());
        _dir.Files("out").Should().Equal("part-000004.jsonl");
    }

    [Fact]
    public async Task ABucketThatIsNotAFileName_FollowsTheErrorPolicy()
    {
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(Sources.Enumerable(Readings(6))).To(FileSinks.JsonLines<Reading>(_dir["out"], bucketBy: r => r.Sensor == "s1" ? "../escape" : r.Sensor));
        var summary = await new BoundedExecutor().RunAsync(p.Build());
        summary.ElementsDeadLettered.Should().Be(2);
        dead.Items.Should().OnlyContain(d => d.Exception is ArgumentException && d.Exception.Message.Contains("../escape"));
        _dir.Files("out").Should().Equal("part-s0-000001.jsonl", "part-s2-000002.jsonl");
    }

    [Fact]
    public void Options_AreValidated()
    {
        ((Action)(() => FileSinks.JsonLines<Reading>(_dir["out"], new FileSinkOptions { MaxFileBytes = 0 }))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => FileSinks.JsonLines<Reading>(_dir["out"], new FileSinkOptions { FilePrefix = "a/b" }))).Should().Throw<ArgumentException>();
        ((Action)(() => FileSinks.Csv<Reading>(_dir["out"]))).Should().Throw<ArgumentException>().WithMessage("*[CsvRecord]*");
    }
}
