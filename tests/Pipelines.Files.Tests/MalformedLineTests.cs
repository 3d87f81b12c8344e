namespace Pipelines.Files.Tests;

/// <summary>A line that cannot be read is never skipped silently: it follows the source's error policy, with file, line and reason.</summary>
public sealed class MalformedLineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public MalformedLineTests()
    {
        File.WriteAllText(_dir["lines.jsonl"], "{\"id\":1,\"text\":\"a\"}\n\n{\"id\":2,\"text\":\n{\"id\":3,\"text\":\"c\"}\nnull\n{\"id\":\"four\",\"text\":\"d\"}\n{\"id\":5,\"text\":\"e\"}\n");
        File.WriteAllText(_dir["trades.csv"], "Symbol,Price,Quantity\nA,1,1\nB,x,2\n\"C,3,3\nD,4,4\n");
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Executors => ["bounded", "streaming"];

    private static Task<RunSummary> RunAsync(string executor, PipelineBuilder p) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 2 }).RunAsync(p.Build())
        : new StreamingExecutor(new StreamingOptions { Parallelism = 1, MaxBatchSize = 2 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(30));

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Fail_StopsTheRunNamingFileLineAndReason(string executor)
    {
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["lines.jsonl"])).To(Sinks.Action<Line>(_ => { }));
        var act = () => RunAsync(executor, p);
        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain("lines.jsonl line 3").And.Contain("invalid JSON");
        failure.Element.Should().Be(new MalformedLine(_dir["lines.jsonl"], 3, "{\"id\":2,\"text\":"));
        failure.InnerException.Should().BeOfType<MalformedLineException>().Which.LineNumber.Should().Be(3);
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Skip_CountsEveryMalformedLine_AndReadsTheRest(string executor)
    {
        var output = new Collected<Line>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(FileSources.JsonLines<Line>(_dir["lines.jsonl"])).To(output.Sink);
        var summary = await RunAsync(executor, p);
        output.Items.Select(l => l.Id).Should().Equal(1, 3, 5);
        summary.ElementsSkipped.Should().Be(3);
    }

    /// <summary>A record whose constructor validates its values.</summary>
    public sealed record Positive
    {
        public Positive(int id) => Id = id > 0 ? id : throw new ArgumentOutOfRangeException(nameof(id), id, "must be positive");

        public int Id { get; }
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ALineTheTypesOwnCodeRefuses_FollowsTheErrorPolicy_LikeAnyMalformedLine(string executor)
    {
        // The type's exception left the reader: the run failed without file or line, whatever the policy.
        File.WriteAllText(_dir["ids.jsonl"], "{\"id\":1}\n{\"id\":-2}\n{\"id\":3}\n");
        var output = new Collected<Positive>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(FileSources.JsonLines<Positive>(_dir["ids.jsonl"])).To(output.Sink);
        var summary = await RunAsync(executor, p);
        output.Items.Select(l => l.Id).Should().Equal(1, 3);
        summary.ElementsSkipped.Should().Be(1);

        var failing = new PipelineBuilder();
        failing.From(FileSources.JsonLines<Positive>(_dir["ids.jsonl"])).To(Sinks.Action<Positive>(_ => { }));
        var act = () => RunAsync(executor, failing);
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Contain("ids.jsonl line 2").And.Contain("must be positive");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task DeadLetter_SendsTheRawLineWithFileLineAndReason(string executor)
    {
        var output = new Collected<Line>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(dead.Sink);
        p.From(FileSources.JsonLines<Line>(_dir["lines.jsonl"], name: "lines")).OnError(ErrorPolicy.DeadLetter).To(output.Sink);
        var summary = await RunAsync(executor, p);

        output.Items.Select(l => l.Id).Should().Equal(1, 3, 5);
        summary.ElementsDeadLettered.Should().Be(3);
        dead.Items.Select(d => d.Element).Should().Equal(
            new MalformedLine(_dir["lines.jsonl"], 3, "{\"id\":2,\"text\":"),
            new MalformedLine(_dir["lines.jsonl"], 5, "null"),
            new MalformedLine(_dir["lines.jsonl"], 6, "{\"id\":\"four\",\"text\":\"d\"}"));
        dead.Items.Should().OnlyContain(d => d.Operator.Contains("lines") && d.Exception is MalformedLineException);
        dead.Items[1].Exception.Message.Should().Be($"{_dir["lines.jsonl"]} line 5: the line is JSON null, not a Line");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Csv_DeadLettersUnparsableFieldsAndBadQuoting_WithTheirLines(string executor)
    {
        var output = new Collected<Trade>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Trade>(_dir["trades.csv"])).To(output.Sink);
        await RunAsync(executor, p);

        var lines = dead.Items.Select(d => (MalformedLine)d.Element!).ToList();
        lines.Select(l => l.LineNumber).Should().Equal(3, 4);
        lines[0].Text.Should().Be("B,x,2");
        dead.Items[0].Exception.Message.Should().Contain("line 3").And.Contain("Trade.Price");

        // The quote opened on line 4 is never closed: that line alone is malformed, and line 5 is read as a record.
        lines[1].Text.Should().Be("\"C,3,3");
        dead.Items[1].Exception.Message.Should().Contain("line 4").And.Contain("never closed").And.Contain("reading goes on at line 5");
        output.Items.Should().Equal(new Trade("A", 1m, 1), new Trade("D", 4m, 4));
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Csv_AStrayQuoteClosedLinesLater_CostsOnlyItsOwnLine(string executor)
    {
        File.WriteAllText(_dir["stray.csv"], "Symbol,Price,Quantity\nA,1,1\n\"B,2,2\nC,3,3\n\"D\",4,4\nE,5,5\n");
        var output = new Collected<Trade>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Trade>(_dir["stray.csv"])).To(output.Sink);
        await RunAsync(executor, p);

        output.Items.Select(t => t.Symbol).Should().Equal("A", "C", "D", "E");
        var line = dead.Items.Should().ContainSingle().Which.Element.Should().BeOfType<MalformedLine>().Which;
        (line.LineNumber, line.Text).Should().Be((3L, "\"B,2,2"));
    }

    [Fact]
    public async Task Csv_AQuoteThatNeverCloses_InAFollowedFile_CostsOnlyItsOwnLine()
    {
        // Followed, the file has no end at which to find out that the quote never closes: once the record reaches
        // MaxRecordBytes, its first line is reported and the lines after it are read, as in a batch. They were all
        // lost as one record too long.
        var rows = Enumerable.Range(0, 200).Select(i => $"C{i},3,3").ToList();
        File.WriteAllText(_dir["live.csv"], "Symbol,Price,Quantity\nA,1,1\n\"B,2,2\n" + string.Join("\n", rows) + "\n");
        var output = new Collected<Trade>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Trade>(_dir["live.csv"], new FileSourceOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(10), ReadBufferSize = 256, MaxRecordBytes = 1024 }))
            .To(output.Sink);
        var run = new StreamingExecutor(new StreamingOptions { Parallelism = 1, IdleTimeout = Timeout.InfiniteTimeSpan }).Start(p.Build());
        await Eventually.HoldsAsync(() => output.Count >= 201, $"201 records (have {output.Count})");
        await run.StopAsync(drain: true).WaitAsync(TimeSpan.FromSeconds(30));

        output.Items.Select(t => t.Symbol).Should().Equal(["A", .. rows.Select(r => r.Split(',')[0])]);
        var line = dead.Items.Should().ContainSingle().Which.Element.Should().BeOfType<MalformedLine>().Which;
        (line.LineNumber, line.Text).Should().Be((3L, "\"B,2,2"));
        dead.Items[0].Exception.Message.Should().Contain("quote");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Csv_AQuotedFieldOverSeveralLines_IsStillOneRecord(string executor)
    {
        File.WriteAllText(_dir["multi.csv"], "Symbol,Price,Quantity\n\"A\nB\",1,1\nC,2,2\n");
        var output = new Collected<Trade>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["multi.csv"])).To(output.Sink);
        await RunAsync(executor, p);

        output.Items.Should().Equal(new Trade("A\nB", 1m, 1), new Trade("C", 2m, 2));
    }

    [Theory]
    [InlineData("B,2", "expected 3 fields, as the header has, found 2")]
    [InlineData("B,2,2,9", "expected 3 fields, as the header has, found 4")]
    public async Task Csv_AWrongFieldCount_SaysHowManyFieldsWereExpected_AtOneLocation(string bad, string reason)
    {
        File.WriteAllText(_dir["count.csv"], $"Symbol,Price,Quantity\nA,1,1\n{bad}\n");
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["count.csv"])).To(Sinks.Collection(new List<Trade>()));

        var act = () => RunAsync("bounded", p);

        var failure = (await act.Should().ThrowAsync<PipelineExecutionException>()).Which;
        failure.Message.Should().Contain($"failed on element '{bad}': MalformedLineException: {_dir["count.csv"]} line 3: {reason}. The source could not read this record");
        failure.Message.Split(_dir["count.csv"]).Should().HaveCount(3, "the file is named by the source and by the location, once each");
        failure.Message.Split(" line ").Should().HaveCount(2, "one line number");
    }

    [Fact]
    public async Task Csv_AMissingFieldWithoutAHeader_SaysHowManyFieldsWereExpected()
    {
        File.WriteAllText(_dir["points.csv"], "1,2\n3\n");
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Point>(_dir["points.csv"], csv: CsvHelper.CsvReaderOptions.For<Point>() with { HasHeader = false })).To(Sinks.Collection(new List<Point>()));
        await RunAsync("bounded", p);

        dead.Items.Should().ContainSingle().Which.Exception.Message.Should().Be($"{_dir["points.csv"]} line 2: expected 2 fields or more (Point.Y is field 2), found 1");
    }

    [Fact]
    public async Task Csv_AHeaderWithoutARequiredColumn_MakesEveryRecordOfThatFileMalformed()
    {
        File.WriteAllText(_dir["other.csv"], "Symbol,Quantity\nA,1\nB,2\n");
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Trade>(_dir["other.csv"])).To(Sinks.Action<Trade>(_ => { }));
        var summary = await new BoundedExecutor().RunAsync(p.Build());
        summary.ElementsDeadLettered.Should().Be(3);
        dead.Items.Select(d => ((MalformedLine)d.Element!).Text).Should().Equal("Symbol,Quantity", "A,1", "B,2");
        dead.Items.Should().OnlyContain(d => d.Exception.Message.Contains("header (line 1)") && d.Exception.Message.Contains("Price"));
    }

    [Fact]
    public async Task ARecordLongerThanTheLimit_IsMalformed_AndReadingGoesOnAfterIt()
    {
        string longText = new('x', 3000);
        File.WriteAllText(_dir["long.jsonl"], $"{{\"id\":1,\"text\":\"a\"}}\n{{\"id\":2,\"text\":\"{longText}\"}}\n{{\"id\":3,\"text\":\"c\"}}\n");
        var output = new Collected<Line>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.DeadLetter).WithDeadLetterSink(dead.Sink);
        p.From(FileSources.JsonLines<Line>(_dir["long.jsonl"], new FileSourceOptions { ReadBufferSize = 256, MaxRecordBytes = 1024 })).To(output.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        output.Items.Select(l => l.Id).Should().Equal(1, 3);
        var line = dead.Items.Should().ContainSingle().Which.Element.Should().BeOfType<MalformedLine>().Which;
        line.LineNumber.Should().Be(2);
        line.Text.Should().StartWith("{\"id\":2").And.HaveLength(1024);
        dead.Items[0].Exception.Message.Should().Contain("longer than MaxRecordBytes");
    }

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task ALineWithACarriageReturnButNoLineFeed_GoesToThePolicy_InsteadOfLosingTheRecordsInIt(string executor)
    {
        File.WriteAllText(_dir["cr.csv"], "Symbol,Price,Quantity\nA,1,1\rB,2,2\nC,3,3\n");
        var output = new Collected<Trade>();
        var dead = new Collected<DeadLetter>();
        var p = new PipelineBuilder().WithDeadLetterSink(dead.Sink);
        p.From(FileSources.Csv<Trade>(_dir["cr.csv"])).OnError(ErrorPolicy.DeadLetter).To(output.Sink);

        var summary = await RunAsync(executor, p);

        output.Items.Select(t => t.Symbol).Should().Equal("C");
        summary.ElementsDeadLettered.Should().Be(1);
        dead.Items.Single().Element.Should().Be(new MalformedLine(_dir["cr.csv"], 2, "A,1,1\rB,2,2"));
        dead.Items.Single().Exception.Message.Should().Contain("carriage return without a line feed");
    }

    [Fact]
    public async Task AFileWithCarriageReturnLineEndsOnly_FailsSayingSo_InsteadOfReadingNothing()
    {
        File.WriteAllText(_dir["mac.csv"], "Symbol,Price,Quantity\rA,1,1\rB,2,2\r");
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["mac.csv"])).To(Sinks.Action<Trade>(_ => { }));

        var act = () => RunAsync("bounded", p);

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("carriage return without a line feed");
    }
}
