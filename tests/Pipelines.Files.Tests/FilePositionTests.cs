using System.Text.Json;
using Pipelines.Files.Reading;

namespace Pipelines.Files.Tests;

/// <summary>The file source's typed position: what its checkpoint holds, serializable, and a place to resume from.</summary>
public sealed class FilePositionTests : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<List<int>> ReadIdsAsync(Source<Line> source)
    {
        var output = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(source).To(output.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        return output.Items.Select(l => l.Id).ToList();
    }

    /// <summary>A batch run over trades.csv, whose comment lines start with '#'.</summary>
    private async Task<List<Trade>> ReadTradesAsync(FileSourceOptions options)
    {
        var csv = CsvHelper.CsvReaderOptions.For<Trade>() with { CommentPrefix = '#' };
        var output = new Collected<Trade>();
        var p = new PipelineBuilder();
        p.From(FileSources.Csv<Trade>(_dir["trades.csv"], options, csv)).To(output.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        return output.Items.ToList();
    }

    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i},\"text\":\"t{i}\"}}\n"));

    [Fact]
    public async Task ResumeFrom_APositionRestoredFromJson_ReadsOnlyWhatCameAfterIt_WithoutTheCheckpointFile()
    {
        File.WriteAllText(_dir["a.jsonl"], Lines(1, 2));
        File.WriteAllText(_dir["b.jsonl"], Lines(10));
        var options = new FileSourceOptions { CheckpointPath = _dir["state/checkpoint.json"] };
        (await ReadIdsAsync(FileSources.JsonLines<Line>(_dir["*.jsonl"], options))).Should().Equal(1, 2, 10);

        // The checkpoint file holds a FilePosition; it travels as JSON to wherever the next run starts.
        var saved = JsonSerializer.Deserialize<FilePosition>(File.ReadAllText(_dir["state/checkpoint.json"]), Json)!;
        saved.Files.Select(f => (Path.GetFileName(f.Path), f.Line)).Should().BeEquivalentTo([("a.jsonl", 3L), ("b.jsonl", 2L)]);
        var restored = JsonSerializer.Deserialize<FilePosition>(JsonSerializer.Serialize(saved, Json), Json)!;
        restored.Files.Should().Equal(saved.Files);

        File.AppendAllText(_dir["a.jsonl"], Lines(3));
        File.AppendAllText(_dir["b.jsonl"], Lines(11));
        File.WriteAllText(_dir["c.jsonl"], Lines(20));
        var resumed = FileSources.JsonLines<Line>(_dir["*.jsonl"]).ResumeFrom(restored);
        (await ReadIdsAsync(resumed)).Should().Equal(3, 11, 20);
        (await ReadIdsAsync(resumed)).Should().Equal([3, 11, 20], "every run of a resumed source starts at the same position");
    }

    [Fact]
    public async Task ACsvWithACommentBeforeItsHeader_ResumesWithTheHeader_NotTheComment()
    {
        // The header read again on a resume was the first line, comment or not: every later record failed to fit it.
        File.WriteAllText(_dir["trades.csv"], "# exported by the desk\nSymbol,Price,Quantity\nA,1,1\n");
        var options = new FileSourceOptions { CheckpointPath = _dir["checkpoint.json"] };

        (await ReadTradesAsync(options)).Should().Equal(new Trade("A", 1m, 1));
        File.AppendAllText(_dir["trades.csv"], "B,2,2\n");
        (await ReadTradesAsync(options)).Should().Equal(new Trade("B", 2m, 2));
    }

    [Fact]
    public async Task CommentLinesBeforeAHeader_DoNotCountTowardTheRecordLimit_WhenTheHeaderIsReadAgain()
    {
        // Together they filled the buffer the header was looked for in, and no header was found on the resume.
        string comments = string.Concat(Enumerable.Range(0, 200).Select(i => $"# exported line {i:D3} of the desk's preamble\n"));
        File.WriteAllText(_dir["trades.csv"], comments + "Symbol,Price,Quantity\nA,1,1\n");
        var options = new FileSourceOptions { CheckpointPath = _dir["checkpoint.json"], MaxRecordBytes = 1024, ReadBufferSize = 1024 };

        (await ReadTradesAsync(options)).Should().Equal(new Trade("A", 1m, 1));
        File.AppendAllText(_dir["trades.csv"], "B,2,2\n");
        (await ReadTradesAsync(options)).Should().Equal(new Trade("B", 2m, 2));
    }

    [Fact]
    public async Task ResumeFrom_TakesPrecedenceOverTheCheckpointFile_AndTheRunSavesItsOwnPosition()
    {
        File.WriteAllText(_dir["in.jsonl"], Lines(1, 2, 3));
        var options = new FileSourceOptions { CheckpointPath = _dir["checkpoint.json"] };
        var source = FileSources.JsonLines<Line>(_dir["in.jsonl"], options);
        (await ReadIdsAsync(source)).Should().Equal(1, 2, 3);
        var afterThree = JsonSerializer.Deserialize<FilePosition>(File.ReadAllText(_dir["checkpoint.json"]), Json)!;
        var atStart = afterThree with { Files = [afterThree.Files[0] with { Offset = 0, Line = 1 }] };

        (await ReadIdsAsync(source.ResumeFrom(atStart))).Should().Equal(1, 2, 3);
        File.AppendAllText(_dir["in.jsonl"], Lines(4));
        (await ReadIdsAsync(source)).Should().Equal([4], "the resumed run saved its own position to the checkpoint file");
    }
    [Fact]
    public async Task AFileWithAByteOrderMark_HasNoPositionBetweenTheMarkAndItsFirstRecord()
    {
        // A position taken after the first read but before the header was handed over said offset 3 (past the
        // mark); resumed there, the CSV header was read as a data row. Now the position stays at the start until the
        // first record goes, and an offset of 3 saved before is read as the start.
        string path = _dir["bom.csv"];
        await File.WriteAllBytesAsync(path, [0xEF, 0xBB, 0xBF, .. "Symbol,Price,Quantity\nA,1,1\nB,2,2\n"u8]);
        using (var cursor = await FileCursor.OpenAsync(path, new RecordScanner(true, (byte)'"', (byte)',', true), 4096, 1 << 20, 0, 1, CancellationToken.None))
        {
            (await cursor.FillAsync(CancellationToken.None)).Should().BePositive();
            cursor.ConsumedOffset.Should().Be(0);
            cursor.Advance();
            cursor.ConsumedOffset.Should().Be(3 + "Symbol,Price,Quantity\n".Length);
        }

        var output = new Collected<Trade>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Fail);
        var position = new FilePosition([new FileOffset(path, 3, Checkpoint.Fingerprint(File.ReadAllBytes(path).AsSpan(0, 3)), 3, 1)]);
        p.From(FileSources.Csv<Trade>(path).ResumeFrom(position)).To(output.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        output.Items.Should().Equal(new Trade("A", 1m, 1), new Trade("B", 2m, 2));
    }
}
