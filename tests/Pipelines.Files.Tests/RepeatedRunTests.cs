namespace Pipelines.Files.Tests;

/// <summary>A file pipeline run again, or twice at once: earlier output kept or replaced, collisions refused.</summary>
public sealed class RepeatedRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Pipeline Write(IEnumerable<int> values, Sink<Line> sink)
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(values)).Select(i => new Line(i, "v" + i)).To(sink);
        return p.Build();
    }

    private async Task<List<int>> ReadBackAsync()
    {
        var read = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["out/*.jsonl"])).To(read.Sink);
        await new BoundedExecutor().RunAsync(p.Build());
        return [.. read.Items.Select(l => l.Id)];
    }

    [Fact]
    public async Task ByDefault_ASecondRunAddsItsFilesBesideTheFirstRuns()
    {
        var pipeline = Write([1, 2, 3], FileSinks.JsonLines<Line>(_dir["out"]));

        await new BoundedExecutor().RunAsync(pipeline);
        await new StreamingExecutor().RunAsync(pipeline);

        _dir.Files("out").Should().Equal("part-000001.jsonl", "part-000002.jsonl");
        (await ReadBackAsync()).Should().Equal(1, 2, 3, 1, 2, 3);
    }

    [Fact]
    public async Task ReplaceEarlierOutput_ASuccessfulRunDeletesTheEarlierRunsFiles()
    {
        await new BoundedExecutor().RunAsync(Write([1, 2, 3], FileSinks.JsonLines<Line>(_dir["out"], new FileSinkOptions { MaxFileBytes = 20 })));
        File.WriteAllText(_dir["out/.part-000009.jsonl.inprogress"], "{\"id\":99}");
        File.WriteAllText(_dir["out/other.txt"], "not ours");
        _dir.Files("out").Should().HaveCount(4);

        await new StreamingExecutor().RunAsync(Write([7, 8], FileSinks.JsonLines<Line>(_dir["out"], new FileSinkOptions { ReplaceEarlierOutput = true })));

        _dir.Files("out", includeHidden: true).Should().Equal("other.txt", "part-000010.jsonl");
        (await ReadBackAsync()).Should().Equal(7, 8);
    }

    [Fact]
    public async Task ReplaceEarlierOutput_AFailedRunLeavesTheEarlierOutputAsItWas()
    {
        await new BoundedExecutor().RunAsync(Write([1, 2, 3], FileSinks.JsonLines<Line>(_dir["out"])));
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable([7, 8]))
            .Select(i => i == 8 ? throw new InvalidOperationException("boom") : new Line(i, "v"))
            .To(FileSinks.JsonLines<Line>(_dir["out"], new FileSinkOptions { ReplaceEarlierOutput = true }));

        var failing = () => new BoundedExecutor().RunAsync(p.Build());

        await failing.Should().ThrowAsync<PipelineExecutionException>();
        _dir.Files("out", includeHidden: true).Should().Equal("part-000001.jsonl");
        (await ReadBackAsync()).Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task TwoRunsIntoOneDirectoryAtOnce_TheSecondIsRefused()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new PipelineBuilder();
        p.From(Sources.AsyncEnumerable(Gated(gate.Task), isBounded: true)).Select(i => new Line(i, "v")).To(FileSinks.JsonLines<Line>(_dir["out"]));
        var first = new StreamingExecutor().RunAsync(p.Build());
        await Eventually.HoldsAsync(() => _dir.Files("out", includeHidden: true).Length == 1, "the first run's file");

        var second = () => new BoundedExecutor().RunAsync(Write([5], FileSinks.JsonLines<Line>(_dir["out"])));

        (await second.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*another run is writing 'part-*.jsonl' files into*same file names*");
        gate.SetResult();
        await first;
        (await ReadBackAsync()).Should().Equal(1, 2);
        await new BoundedExecutor().RunAsync(Write([5], FileSinks.JsonLines<Line>(_dir["out"])));
    }

    [Fact]
    public async Task TwoSinksWhosePrefixesOverlap_InOneDirectory_AreRefused()
    {
        // 'trades-rejected-000001.jsonl' is also a file of 'trades' in bucket 'rejected': with ReplaceEarlierOutput the
        // 'trades' sink deleted the other sink's files, and its recovery took them for its own.
        var p = new PipelineBuilder();
        var lines = p.From(Sources.Enumerable([1, 2, 3])).Select(i => new Line(i, "v"));
        lines.To(FileSinks.JsonLines<Line>(_dir["out"], new FileSinkOptions { FilePrefix = "trades", ReplaceEarlierOutput = true }));
        lines.Where(l => l.Id > 1).To(FileSinks.JsonLines<Line>(_dir["out"], new FileSinkOptions { FilePrefix = "trades-rejected" }));

        var run = () => new BoundedExecutor().RunAsync(p.Build());

        (await run.Should().ThrowAsync<Exception>()).Which.ToString().Should().Contain("FilePrefix").And.Contain("overlaps");

        // Prefixes that do not overlap write side by side.
        var q = new PipelineBuilder();
        var again = q.From(Sources.Enumerable([1, 2, 3])).Select(i => new Line(i, "v"));
        again.To(FileSinks.JsonLines<Line>(_dir["ok"], new FileSinkOptions { FilePrefix = "trades" }));
        again.To(FileSinks.JsonLines<Line>(_dir["ok"], new FileSinkOptions { FilePrefix = "rejected" }));
        await new BoundedExecutor().RunAsync(q.Build());
        _dir.Files("ok").Should().Equal("rejected-000001.jsonl", "trades-000001.jsonl");
    }

    [Fact]
    public async Task TwoRunsOnOneCheckpointAtOnce_TheSecondIsRefused()
    {
        Directory.CreateDirectory(_dir["in"]);
        File.WriteAllText(_dir["in/a.jsonl"], "{\"id\":1,\"text\":\"a\"}\n");
        var options = new FileSourceOptions { Follow = true, CheckpointPath = _dir["state.json"] };
        var results = new Collected<Line>();
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(_dir["in/*.jsonl"], options)).To(results.Sink);
        var run = new StreamingExecutor().Start(p.Build());
        await Eventually.HoldsAsync(() => results.Count == 1, "the first line");

        var p2 = new PipelineBuilder();
        p2.From(FileSources.JsonLines<Line>(_dir["in/*.jsonl"], options)).To(Sinks.Collection(new List<Line>()));
        var second = () => new StreamingExecutor().RunAsync(p2.Build());

        (await second.Should().ThrowAsync<PipelineExecutionException>()).WithMessage("*another run is using the checkpoint*");
        await run.StopAsync();
    }

    private static async IAsyncEnumerable<int> Gated(Task gate)
    {
        yield return 1;
        await gate;
        yield return 2;
    }
}
