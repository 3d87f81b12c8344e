using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Windowing;

public class GlobalWindowTests
{
    [Fact]
    public async Task Global_WithoutEventTime_OneResultPerKey_SpanningAllTime()
    {
        var words = new[] { "b", "a", "b", "c", "b", "a" };

        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(words))
            .KeyBy(w => w)
            .Window(Windows.Global())
            .Count());

        results.Select(r => (r.Key, r.Value)).Should().Equal(("b", 3L), ("a", 2L), ("c", 1L));
        results.Should().OnlyContain(r =>
            r.Window.Start == DateTimeOffset.MinValue && r.Window.End == DateTimeOffset.MaxValue
            && r.Window.Size == TimeSpan.MaxValue && r.Timing == PaneTiming.OnTime && r.PaneIndex == 0);
    }

    [Fact]
    public async Task Global_FiresOnce_AfterTheWholeInputWasRead()
    {
        int read = 0;
        var readWhenResultArrived = new List<int>();
        IEnumerable<int> Numbers()
        {
            for (int i = 0; i < 100; i++)
            {
                read++;
                yield return i;
            }
        }

        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(Numbers()))
            .KeyBy(x => x % 3)
            .Window(Windows.Global())
            .Sum(x => x)
            .To(Sinks.Action<WindowResult<int, int>>(_ => readWhenResultArrived.Add(read)));
        await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 8 }).RunAsync(p.Build());

        readWhenResultArrived.Should().Equal(100, 100, 100);
    }

    [Fact]
    public async Task Global_WithEventTime_IgnoresTimes_AndAggregatesEverything()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .Events(Ev.At("a", -1e9, 1), Ev.At("a", 0, 2), Ev.At("a", 1e9, 4))
            .KeyBy(e => e.Key)
            .Window(Windows.Global())
            .Sum(e => e.Value));

        results.Should().ContainSingle().Which.Value.Should().Be(7);
    }

    [Fact]
    public async Task Global_EmptyInput_ProducesNoResult()
    {
        var results = await BoundedRun.CollectAsync(p => p
            .From(Sources.Enumerable(Array.Empty<string>()))
            .KeyBy(w => w)
            .Window(Windows.Global())
            .Count());

        results.Should().BeEmpty();
    }
}
