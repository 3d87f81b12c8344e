namespace Pipelines.Tests.Checkpoints;

/// <summary>Operators whose state checkpoints cannot write are refused when a run stores checkpoints, not restored wrong.</summary>
public sealed class StateOutsideCheckpointsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-outside-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(false, "the number of elements it has taken")]
    [InlineData(true, "whether its predicate has failed")]
    public async Task Take_WithCheckpointStorage_IsRefused_SayingWhatToDo(bool takeWhile, string state)
    {
        var p = new PipelineBuilder("take-checkpoints");
        var numbers = p.From(Sources.Enumerable(Enumerable.Range(0, 100)));
        (takeWhile ? numbers.TakeWhile(n => n < 10) : numbers.Take(10)).To(Sinks.Collection(new List<int>()));
        var options = new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory(_directory) };

        var act = () => new StreamingExecutor(options).RunAsync(p.Build());

        (await act.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"*'{(takeWhile ? "TakeWhile" : "Take")}*{state}*without a CheckpointStorage*");
    }

    [Fact]
    public async Task Take_WithoutCheckpointStorage_Runs()
    {
        var taken = new List<int>();
        var p = new PipelineBuilder("take-plain");
        p.From(Sources.Enumerable(Enumerable.Range(0, 100))).Take(10).To(Sinks.Collection(taken));

        await new StreamingExecutor().RunAsync(p.Build());

        taken.Should().Equal(Enumerable.Range(0, 10));
    }
}
