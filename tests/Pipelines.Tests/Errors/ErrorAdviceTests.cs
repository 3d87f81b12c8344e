namespace Pipelines.Tests.Errors;

/// <summary>A failure's message says what failed, ends the cause's sentence, and advises what fits the part that failed.</summary>
public class ErrorAdviceTests
{
    [Fact]
    public async Task ASinkThatThrows_IsAdvisedAboutTheSink()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1, 2 })).To(Sinks.Action<int>(x => throw new IOException("disk full"), name: "archive"));

        var act = () => new BoundedExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().Be(
            "Operator 'Sink#2 (archive)' failed on element '1': IOException: disk full. The sink could not take this element: fix the sink or what it " +
            "writes to, or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the pipeline (PipelineBuilder.OnError) to keep going.");
    }

    [Fact]
    public async Task AFunctionThatThrows_IsAdvisedAboutTheFunction_AndAMessageWithAFullStopKeepsOnlyOne()
    {
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(new[] { 1 })).Select(x => x > 0 ? throw new InvalidOperationException("Bad value.") : x).To(Sinks.Collection(new List<int>()));

        var act = () => new StreamingExecutor().RunAsync(p.Build());

        (await act.Should().ThrowAsync<PipelineExecutionException>()).Which.Message.Should().EndWith(
            "failed on element '1': InvalidOperationException: Bad value. Fix the function, or set ErrorPolicy.Skip or ErrorPolicy.DeadLetter on the pipeline or the operator to keep going.");
    }
}
