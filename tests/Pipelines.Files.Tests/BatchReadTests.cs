using System.Text;

namespace Pipelines.Files.Tests;

public sealed class BatchReadTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Task<RunSummary> RunAsync(PipelineBuilder p) => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 7 }).RunAsync(p.Build());

    [Fact]
    public async Task JsonLines_ReadsEveryLineInOrder_SkippingBlankLines_WithCrLfBomAndNoFinalLineBreak()
    {
        File.WriteAllText(_dir["in.jsonl"], "\uFEFF{\"id\":1,\"text\":\"a\"}\r\n\r\n{\"id\":2,\"text\":\"b\"}\n   \n{\"id\":3,\"text\":\"c\"}", new UTF8Encoding(false));
        var output = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["in.jsonl"])).To(output.Sink);
        var summary = await RunAsync(p);
        output.Items.Should().Equal(new Line(1, "a"), new Line(2, "b"), new Line(3, "c"));
        summary.ElementsRead.Should().Be(3);
    }

    [Fact]
    public async Task Glob_ReadsMatchingFilesInPathOrder_AndIgnoresHiddenAndOtherFiles()
    {
        File.WriteAllLines(_dir["b.jsonl"], ["{\"id\":3,\"text\":\"b1\"}"]);
        File.WriteAllLines(_dir["a.jsonl"], ["{\"id\":1,\"text\":\"a1\"}", "{\"id\":2,\"text\":\"a2\"}"]);
        File.WriteAllLines(_dir[".c.jsonl.inprogress"], ["{\"id\":9,\"text\":\"hidden\"}"]);
        File.WriteAllLines(_dir[".d.jsonl"], ["{\"id\":9,\"text\":\"hidden\"}"]);
        File.WriteAllLines(_dir["e.txt"], ["{\"id\":9,\"text\":\"other\"}"]);
        var output = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["*.jsonl"])).To(output.Sink);
        await RunAsync(p);
        output.Items.Select(l => l.Id).Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task Glob_OfManyFiles_HoldsOneOpenAtATime()
    {
        // A day of hourly part files per device is thousands of files: opened all at once, they ran into the
        // process's limit of open files (1,024 by default on Linux) and took a read buffer each.
        const int files = 300;
        for (int i = 0; i < files; i++) File.WriteAllLines(_dir[$"part-{i:D4}.jsonl"], [$"{{\"id\":{i},\"text\":\"x\"}}"]);
        int baseline = OpenFiles();
        int most = 0;
        var output = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["part-*.jsonl"]))
            .Select(l =>
            {
                most = Math.Max(most, OpenFiles());
                return l;
            })
            .To(output.Sink);
        await RunAsync(p);
        output.Items.Select(l => l.Id).Should().Equal(Enumerable.Range(0, files));
        most.Should().BeLessThan(baseline + 20, "one input file is open at a time, not all {0}", files);

        static int OpenFiles() => Directory.GetFiles("/proc/self/fd").Length;
    }

    [Fact]
    public async Task Glob_MatchingNothing_IsAnEmptyInput()
    {
        var output = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["*.jsonl"])).To(output.Sink);
        (await RunAsync(p)).ElementsRead.Should().Be(0);
    }

    [Fact]
    public async Task MissingFile_FailsNamingTheFile()
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["missing.jsonl"])).To(Sinks.Action<Line>(_ => { }));
        var act = () => RunAsync(p);
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("missing.jsonl");
    }

    [Fact]
    public async Task Csv_ReadsQuotedFieldsWithSeparatorsQuotesAndLineBreaks()
    {
        File.WriteAllText(_dir["trades.csv"], "Symbol,Price,Quantity\r\n\"A,B\",1.5,10\r\n\"say \"\"hi\"\"\",2,20\r\n\"two\nlines\",3.25,30\r\nZ,4,40");
        var output = new Collected<Trade>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["trades.csv"])).To(output.Sink);
        await RunAsync(p);
        output.Items.Should().Equal(
            new Trade("A,B", 1.5m, 10), new Trade("say \"hi\"", 2m, 20), new Trade("two\nlines", 3.25m, 30), new Trade("Z", 4m, 40));
    }

    [Fact]
    public async Task Csv_EveryFileOfAGlobHasItsOwnHeader_InAnyColumnOrder()
    {
        File.WriteAllText(_dir["1.csv"], "Symbol,Price,Quantity\nA,1,1\n");
        File.WriteAllText(_dir["2.csv"], "Quantity,Symbol,Price\n2,B,2\n");
        var output = new Collected<Trade>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["*.csv"])).To(output.Sink);
        await RunAsync(p);
        output.Items.Should().Equal(new Trade("A", 1m, 1), new Trade("B", 2m, 2));
    }

    [Fact]
    public async Task Csv_WithoutAHeader_MapsByColumnIndex_AndSkipsComments()
    {
        File.WriteAllText(_dir["points.csv"], "1,2\n# a comment\n3,4\n");
        var output = new Collected<Point>();
        var options = CsvHelper.CsvReaderOptions.For<Point>() with { HasHeader = false, CommentPrefix = '#' };
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Point>(_dir["points.csv"], csv: options)).To(output.Sink);
        await RunAsync(p);
        output.Items.Should().Equal(new Point(1, 2), new Point(3, 4));
    }

    [Fact]
    public async Task Csv_AnEncodingOtherThanUtf8_IsRefusedWhenTheSourceIsMade()
    {
        // Records are framed and checkpointed by their UTF-8 bytes; CsvHelper transcoding another encoding counts in
        // the bytes of the UTF-8 it makes, so a record after a non-ASCII character was passed over without a word.
        File.WriteAllBytes(_dir["latin1.csv"], System.Text.Encoding.Latin1.GetBytes("Symbol,Price,Quantity\nCafé,1,1\nB,2,2\n"));
        var act = () => FileSources.Csv<Trade>(_dir["latin1.csv"], csv: CsvHelper.CsvReaderOptions.For<Trade>() with { Encoding = System.Text.Encoding.Latin1 });
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("UTF-8").And.Contain("iso-8859-1").And.Contain("iconv");

        // UTF-8 set explicitly is what the source reads anyway.
        var output = new Collected<Trade>();
        File.WriteAllText(_dir["utf8.csv"], "Symbol,Price,Quantity\nCafé,1,1\nB,2,2\n");
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["utf8.csv"], csv: CsvHelper.CsvReaderOptions.For<Trade>() with { Encoding = new System.Text.UTF8Encoding(false) })).To(output.Sink);
        await RunAsync(p);
        output.Items.Should().Equal(new Trade("Café", 1m, 1), new Trade("B", 2m, 2));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(64 * 1024)]
    public async Task Csv_TrimmingWhitespace_AQuotedMultiLineFieldAfterLeadingSpaces_IsOneRecord(int readBufferSize)
    {
        // CsvHelper opens a quoted field after leading whitespace when it trims: framing must agree, or the line
        // break inside the quotes ends the record (and every record after it shifts).
        var expected = Enumerable.Range(0, 40).Select(i => new Trade($"line {i}\nof a note, with a comma", i + 0.5m, i)).ToList();
        File.WriteAllText(_dir["notes.csv"], "Symbol,Price,Quantity\n" + string.Concat(expected.Select(t => $"  \t\"{t.Symbol}\" , {t.Price} ,{t.Quantity}\n")));
        var output = new Collected<Trade>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Fail);
        p.From(FileSources.Csv<Trade>(_dir["notes.csv"], new FileSourceOptions { ReadBufferSize = readBufferSize }, CsvHelper.CsvReaderOptions.For<Trade>() with { TrimWhitespace = true }))
            .To(output.Sink);

        await RunAsync(p);

        output.Items.Should().Equal(expected);
    }

    [Fact]
    public async Task Csv_OfATypeMappedByIndex_WithAHeader_ReadsTheHeaderAsAHeader()
    {
        // The header line was mapped as a record: "cannot read Point.X from field 0" for the line a default sink writes.
        var points = Enumerable.Range(0, 5).Select(i => new Point(i, -i)).ToList();
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(points)).To(FileSinks.Csv<Point>(_dir["out"]));
        await RunAsync(write);

        var output = new Collected<Point>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Point>(_dir["out/*.csv"])).To(output.Sink);
        await RunAsync(p);
        output.Items.Should().Equal(points);
    }

    [Fact]
    public async Task Csv_WithoutAHeader_RoundTripsThroughASinkThatWritesNone()
    {
        var points = Enumerable.Range(0, 50).Select(i => new Point(i, -i)).ToList();
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(points)).To(FileSinks.Csv<Point>(_dir["out"], csv: CsvHelper.CsvWriterOptions.For<Point>() with { HasHeader = false }));
        await RunAsync(write);
        File.ReadAllLines(_dir["out/part-000001.csv"])[0].Should().Be("0,0");

        var output = new Collected<Point>();
        var read = new PipelineBuilder();
        read.From(FileSources.Csv<Point>(_dir["out/*.csv"], csv: CsvHelper.CsvReaderOptions.For<Point>() with { HasHeader = false })).To(output.Sink);
        await RunAsync(read);
        output.Items.Should().Equal(points);
    }

    [Fact]
    public void Csv_WithoutAHeader_ForATypeWithoutColumnIndexes_IsRefusedUpFront()
    {
        var act = () => FileSources.Csv<Trade>(_dir["x.csv"], csv: CsvHelper.CsvReaderOptions.For<Trade>() with { HasHeader = false });
        act.Should().Throw<ArgumentException>().WithMessage("*column index*");
    }

    [Fact]
    public void APathNamingADirectory_IsRefusedUpFront_WithThePatternToWrite()
    {
        // Read as a file in its parent folder, a directory made a batch fail with "file does not exist" and a
        // followed source wait forever for a file that cannot appear.
        Directory.CreateDirectory(_dir["in"]);
        foreach (bool follow in new[] { false, true })
        {
            var act = () => FileSources.JsonLines<Line>(_dir["in"], new FileSourceOptions { Follow = follow });
            act.Should().Throw<ArgumentException>().WithMessage($"*'{_dir["in"]}' names a directory*'{Path.Combine(_dir["in"], "*.csv")}'*");
        }
    }

    [Fact]
    public void Csv_OfATypeCsvHelperCannotMap_IsRefusedUpFront()
    {
        var act = () => FileSources.Csv<Line>(_dir["x.csv"]);
        act.Should().Throw<ArgumentException>().WithMessage("*[CsvRecord]*");
    }
}

/// <summary>A batch over files reports how much of them it has read, for progress bars.</summary>
public sealed class BatchProgressTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task FractionRead_GrowsWithTheBytesRead_AndEndsAtOne()
    {
        for (int f = 0; f < 2; f++)
        {
            File.WriteAllLines(_dir[$"lines-{f}.jsonl"], Enumerable.Range(0, 200).Select(i => $"{{\"id\":{i},\"text\":\"line {i} of file {f}\"}}"));
        }

        var fractions = new List<double>();
        var options = new BoundedExecutorOptions { BatchSize = 16, ProgressInterval = TimeSpan.Zero, Progress = new Collect(p => fractions.Add(p.Sources[0].Fraction!.Value)) };
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["lines-*.jsonl"], new FileSourceOptions { ReadBufferSize = 256 })).To(Sinks.Collection(new List<Line>()));

        await new BoundedExecutor(options).RunAsync(p.Build());

        fractions.Should().BeInAscendingOrder().And.Contain(f => f > 0.1 && f < 0.9);
        fractions[^1].Should().Be(1.0);
    }

    private sealed class Collect(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
