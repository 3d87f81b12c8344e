using Pipelines.Diagnostics;
using Pipelines.Runtime;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Runtime;

/// <summary>
/// <c>Output.StampFrom</c>: a keyed stage whose state moves with an exchange's partitions stamps what it emits with
/// the partition being processed; elements emitted through <c>Emit</c> or written into <c>Reserve</c> get the origin of
/// the scope they were emitted in, also across flushes of a full buffer.
/// </summary>
public sealed class OutputStampTests
{
    private static (Output<int> Output, Collector<int> Collected) Create(int batchSize = 4)
    {
        var collected = new Collector<int>();
        return (new Output<int>([collected], batchSize, OperatorTelemetry.None), collected);
    }

    [Fact]
    public void EachElement_GetsTheOriginOfItsScope_AndNoneOutsideOne()
    {
        var (output, collected) = Create();
        output.Emit(1, 0);
        output.StampFrom(new ElementOrigin(3, -1));
        output.Emit(2, 0);
        var reserved = output.Reserve(2);
        reserved.Values[reserved.Count] = 3;
        reserved.Count++;
        output.StampFrom(new ElementOrigin(5, -1));
        for (int i = 4; i <= 7; i++) output.Emit(i, 0); // fills the buffer: flushed inside the scope
        output.StampFrom(ElementOrigin.None);
        output.Emit(8, 0);
        output.Flush();

        collected.Values.Should().Equal(1, 2, 3, 4, 5, 6, 7, 8);
        collected.Origins.Select(o => o?.Partition).Should().Equal(-1, 3, 3, 5, 5, 5, 5, -1);
    }

    [Fact]
    public void WithoutStamps_NoOriginIsCarried()
    {
        var (output, collected) = Create();
        output.Emit(1, 0);
        output.Flush();

        collected.Origins.Should().Equal([null]);
    }
}
