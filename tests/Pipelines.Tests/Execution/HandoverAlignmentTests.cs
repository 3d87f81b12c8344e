using System.Threading.Channels;
using Pipelines.Diagnostics;
using Pipelines.Exchanges;
using Pipelines.Execution;
using Pipelines.Execution.Streaming;
using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Tests.Execution;

/// <summary>
/// A keyed stage whose state is split by an exchange's partitions and that has two inputs from that exchange (a join
/// of two streams split from one repartition topic) gets each partition hand-over once, after every element read
/// before it on either input and before every element read after it — however the inputs' messages interleave.
/// </summary>
public sealed class HandoverAlignmentTests
{
    private static readonly object Exchange = new();

    /// <summary>Records what reaches it, in order: batches by their single element, and hand-overs.</summary>
    private sealed class Recorder(bool aligns) : StageOperator
    {
        public readonly List<string> Seen = [];

        public override void OnBatch(int port, object batch) => Seen.Add(((Batch<string>)batch).Values[0]);

        public override void OnWatermark(long watermark)
        {
        }

        public override void OnHandover(PartitionHandover handover) => Seen.Add($"handover {string.Join(",", handover.Revoked)}/{string.Join(",", handover.Assigned.Select(a => a.Partition))}");

        public override bool AlignsHandoversOf(object source) => aligns && ReferenceEquals(source, Exchange);

        public override void OnEnd()
        {
        }
    }

    private static StageMessage Element(int producer, string value)
    {
        var batch = new Batch<string>(1);
        batch.Values[0] = value;
        batch.Count = 1;
        return StageMessage.ForBatch(producer, producer, batch);
    }

    private static async Task<List<string>> RunAsync(bool aligns, params StageMessage[] messages)
    {
        var op = new Recorder(aligns);
        var instance = new StageInstance(op, "join", 0, inputs: 2, new OperatorTelemetry("handovers", "join", 0));
        var channel = Channel.CreateUnbounded<StageMessage>();
        foreach (var message in messages) channel.Writer.TryWrite(message);
        channel.Writer.Complete();
        await new StageWorker(instance, channel, new PendingWrites(), TimeProvider.System, null, 0).RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return op.Seen;
    }

    [Fact]
    public async Task AHandover_ReachesTheOperatorOnce_WhenBothInputsDeliveredIt_AfterWhatCameBeforeItOnEither()
    {
        var revoke = new PartitionHandover(Exchange, [], [1]);
        var assign = new PartitionHandover(Exchange, [(1, 7L)], []);

        // Input 0 is ahead: it delivers both hand-overs (partition 1 lost, then assigned again) and an element read
        // after them before input 1 delivers an element read before them.
        var seen = await RunAsync(
            aligns: true,
            Element(0, "left before"),
            StageMessage.ForHandover(0, revoke),
            StageMessage.ForHandover(0, assign),
            Element(0, "left after"),
            Element(1, "right before"),
            StageMessage.ForHandover(1, revoke),
            Element(1, "right between"),
            StageMessage.ForHandover(1, assign),
            Element(1, "right after"),
            StageMessage.ForEnd(0),
            StageMessage.ForEnd(1));

        seen.Should().HaveCount(7);
        seen.Where(s => s.StartsWith("handover", StringComparison.Ordinal)).Should().Equal("handover 1/", "handover /1");
        seen.IndexOf("handover 1/").Should().BeGreaterThan(seen.IndexOf("left before")).And.BeGreaterThan(seen.IndexOf("right before"));
        seen.IndexOf("right between").Should().BeGreaterThan(seen.IndexOf("handover 1/")).And.BeLessThan(seen.IndexOf("handover /1"));
        seen.IndexOf("left after").Should().BeGreaterThan(seen.IndexOf("handover /1"));
        seen.IndexOf("right after").Should().BeGreaterThan(seen.IndexOf("handover /1"));
    }

    [Fact]
    public async Task AnInputThatEnds_StopsHoldingAHandoverBack()
    {
        var assign = new PartitionHandover(Exchange, [(0, null)], []);
        var seen = await RunAsync(
            aligns: true,
            StageMessage.ForHandover(0, assign),
            Element(0, "left after"),
            StageMessage.ForEnd(1),
            StageMessage.ForEnd(0));

        seen.Should().Equal("handover /0", "left after");
    }

    [Fact]
    public async Task AnOperatorThatIgnoresTheSourcesPartitions_GetsEveryCopyAtOnce()
    {
        var assign = new PartitionHandover(Exchange, [(0, null)], []);
        var seen = await RunAsync(
            aligns: false,
            StageMessage.ForHandover(0, assign),
            Element(0, "left after"),
            Element(1, "right before"),
            StageMessage.ForHandover(1, assign),
            StageMessage.ForEnd(0),
            StageMessage.ForEnd(1));

        seen.Should().Equal("handover /0", "left after", "right before", "handover /0");
    }
}
