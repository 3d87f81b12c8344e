namespace Pipelines.Files.Tests;

public sealed class ParquetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly ParquetColumn[] Columns =
    [
        new("id", typeof(int)), new("big", typeof(long)), new("ok", typeof(bool)), new("score", typeof(double)),
        new("price", typeof(decimal)), new("name", typeof(string)), new("at", typeof(DateTimeOffset)), new("day", typeof(DateOnly)),
    ];

    private static ParquetRecord Record(int i) => new(Columns,
    [
        i, i * 10_000_000_000L, i % 2 == 0, i / 4.0, i % 5 == 0 ? null : i + 0.25m, i % 7 == 0 ? null : $"n{i}",
        new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero).AddSeconds(i), new DateOnly(2024, 5, 1).AddDays(i % 3),
    ]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sink_ThenSource_RoundTripsEveryTypeAndNull_AcrossRowGroupsAndFiles(bool streaming)
    {
        var input = Enumerable.Range(0, 2500).Select(Record).ToList();
        var write = new PipelineBuilder();
        write.From(Sources.Enumerable(input)).To(FileSinks.Parquet(_dir.Path, Columns, new FileSinkOptions { MaxFileBytes = 20_000 }, rowGroupSize: 300));
        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(write.Build());
        else await new BoundedExecutor().RunAsync(write.Build());

        var files = Directory.GetFiles(_dir.Path);
        files.Should().OnlyContain(f => f.EndsWith(".parquet", StringComparison.Ordinal), "temporary files are renamed when finished");
        files.Length.Should().BeGreaterThan(1, "MaxFileBytes rolls to a new file");

        var read = new List<ParquetRecord>();
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir.Path, "*.parquet"))).To(Sinks.Collection(read));
        var summary = await new BoundedExecutor().RunAsync(p.Build());
        summary.ElementsRead.Should().Be(2500);
        read.Select(r => (int)r["id"]!).Order().Should().Equal(Enumerable.Range(0, 2500));
        foreach (var record in read)
        {
            int id = (int)record["id"]!;
            record.Values.Should().Equal(Record(id).Values, $"record {id} reads back as written");
            record.Columns.Select(c => (c.Name, c.Type)).Should().Equal(Columns.Select(c => (c.Name, c.Type)));
        }
    }

    [Fact]
    public async Task Source_NotParquet_FailsNamingTheFile()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "bad.parquet"), "not parquet");
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir.Path, "bad.parquet"))).To(Sinks.Action<ParquetRecord>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("bad.parquet' is not a readable Parquet file");
    }

    [Theory]
    [InlineData("missing.parquet")]
    [InlineData("missing-dir/*.parquet")]
    public async Task Source_OfAPathThatNamesNothing_FailsSayingSo_InsteadOfReadingNoRows(string path)
    {
        // A typo in the path gave a successful empty run (and an empty replacement of a sink's earlier output).
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir.Path, path))).To(Sinks.Action<ParquetRecord>(_ => { }));
        var act = () => new BoundedExecutor().RunAsync(p.Build());
        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("does not exist");
    }

    [Fact]
    public async Task Sink_MapsARecordsColumnsByName_AndABadRecordFollowsTheErrorPolicyAsItself()
    {
        // Values went into columns by position (a record from a file with another column order landed in the wrong
        // columns), and a value of the wrong type failed the whole row group later, whatever the policy.
        ParquetColumn[] sinkColumns = [new("id", typeof(int)), new("name", typeof(string))];
        ParquetColumn[] reversed = [new("name", typeof(string)), new("id", typeof(int))];
        var input = new[]
        {
            new ParquetRecord(sinkColumns, [1, "a"]),
            new ParquetRecord(reversed, ["b", 2]),
            new ParquetRecord(sinkColumns, [3L, "c"]),
            new ParquetRecord(reversed, ["d", 4]),
        };
        var write = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        write.From(Sources.Enumerable(input)).To(FileSinks.Parquet(_dir["skip"], sinkColumns));
        var summary = await new BoundedExecutor().RunAsync(write.Build());
        summary.ElementsSkipped.Should().Be(1);

        var read = new List<ParquetRecord>();
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir["skip"], "*.parquet"))).To(Sinks.Collection(read));
        await new BoundedExecutor().RunAsync(p.Build());
        read.Select(r => ((int)r["id"]!, (string)r["name"]!)).Should().Equal((1, "a"), (2, "b"), (4, "d"));

        var failing = new PipelineBuilder();
        failing.From(Sources.Enumerable(input)).To(FileSinks.Parquet(_dir["fail"], sinkColumns));
        var act = () => new BoundedExecutor().RunAsync(failing.Build());
        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.ToString().Should().Contain("column 'id' holds Int32, but the record has Int64");
    }

    [Fact]
    public async Task SmallIntegerColumns_OfEveryWidthAndSign_AreReadAsInt()
    {
        // pandas writes int8 and uint16 columns; they were announced as int columns, then failed to read.
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<sbyte?>("i8"), new Parquet.Schema.DataField<byte?>("u8"), new Parquet.Schema.DataField<short?>("i16"), new Parquet.Schema.DataField<ushort?>("u16"));
        await using (var stream = File.Create(Path.Combine(_dir.Path, "small.parquet")))
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(schema, stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync<sbyte>(schema.DataFields[0], new sbyte?[] { -3, 5 }.AsMemory(), null, null, CancellationToken.None);
            await group.WriteAsync<byte>(schema.DataFields[1], new byte?[] { 200, 1 }.AsMemory(), null, null, CancellationToken.None);
            await group.WriteAsync<short>(schema.DataFields[2], new short?[] { -30000, 2 }.AsMemory(), null, null, CancellationToken.None);
            await group.WriteAsync<ushort>(schema.DataFields[3], new ushort?[] { 60000, 7 }.AsMemory(), null, null, CancellationToken.None);
        }

        var read = new List<ParquetRecord>();
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir.Path, "small.parquet"))).To(Sinks.Collection(read));
        await new BoundedExecutor().RunAsync(p.Build());

        read.Select(r => (r["i8"], r["u8"], r["i16"], r["u16"])).Should().Equal((-3, 200, -30000, 60000), (5, 1, 2, 7));
    }

    [Fact]
    public void Sink_RejectsUnsupportedColumnTypes()
    {
        var act = () => FileSinks.Parquet(_dir.Path, [new ParquetColumn("g", typeof(Guid))]);
        act.Should().Throw<ArgumentException>().WithMessage("*'g' has type Guid*");
    }

    [Fact]
    public async Task ASecondRun_ThatReplacesEarlierOutput_LeavesOnlyItsOwnRows()
    {
        async Task WriteAsync(int from, int count)
        {
            var write = new PipelineBuilder();
            write.From(Sources.Enumerable(Enumerable.Range(from, count).Select(Record)))
                .To(FileSinks.Parquet(_dir.Path, Columns, new FileSinkOptions { ReplaceEarlierOutput = true }, rowGroupSize: 100));
            await new BoundedExecutor().RunAsync(write.Build());
        }

        await WriteAsync(0, 300);
        await WriteAsync(1000, 200);

        var read = new List<ParquetRecord>();
        var p = new PipelineBuilder();
        p.From(FileSources.Parquet(Path.Combine(_dir.Path, "*.parquet"))).To(Sinks.Collection(read));
        await new BoundedExecutor().RunAsync(p.Build());
        read.Select(r => (int)r["id"]!).Order().Should().Equal(Enumerable.Range(1000, 200), "the first run's files are replaced, not added to");
    }

    [Fact]
    public async Task TwoRunsWritingParquetIntoOneDirectoryAndPrefix_TheSecondIsRefused()
    {
        var first = new PipelineBuilder();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.From(Sources.Enumerable(Enumerable.Range(0, 10))).Select(i =>
        {
            opened.TrySetResult();
            gate.Task.Wait();
            return Record(i);
        }).To(FileSinks.Parquet(_dir.Path, Columns));
        var running = Task.Run(() => new BoundedExecutor().RunAsync(first.Build()));
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var second = new PipelineBuilder();
        second.From(Sources.Enumerable(Enumerable.Range(0, 10).Select(Record))).To(FileSinks.Parquet(_dir.Path, Columns));
        var act = () => new BoundedExecutor().RunAsync(second.Build());

        (await act.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("another run is writing");
        gate.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
