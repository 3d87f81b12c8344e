using System.Threading.Channels;
using Pipelines.Diagnostics;
using Pipelines.Execution;
using Pipelines.Execution.Streaming;
using Pipelines.Operators;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>
/// Barrier alignment with a skewed input: one producer passes a barrier and keeps sending while the other has not
/// reached it. The worker stops taking the fast input's messages (its producer waits) instead of holding them all.
/// </summary>
public sealed class AlignmentBufferTests
{
    private const int Capacity = 4;
    private const int Messages = 1000;

    /// <summary>Records the merged watermarks and barriers the stage sees.</summary>
    private sealed class Recorder : StageOperator
    {
        public readonly List<long> Watermarks = [];
        public readonly List<long> Barriers = [];

        public override void OnBatch(int port, object batch)
        {
        }

        public override void OnWatermark(long watermark) => Watermarks.Add(watermark);

        protected override void PassBarrier(long checkpoint) => Barriers.Add(checkpoint);

        public override void OnEnd()
        {
        }
    }

    private sealed record Setup(StageWorker Worker, Recorder Operator, Channel<StageMessage> Channel, InputGates? Gates);

    private static Setup Create(bool gated, int maxHeld)
    {
        var op = new Recorder();
        var instance = new StageInstance(op, "window", 0, inputs: 2, new OperatorTelemetry("alignment", "window", 0)) { BlocksForAlignment = true };
        var channel = Channel.CreateBounded<StageMessage>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var gates = gated ? new InputGates(2) : null;
        return new Setup(new StageWorker(instance, channel, new PendingWrites(), TimeProvider.System, gates, maxHeld), op, channel, gates);
    }

    /// <summary>Producer 0: a barrier, then <see cref="Messages"/> watermarks, then its end; returns how many it has handed over so far.</summary>
    private static async Task FastProducerAsync(ChannelWriter<StageMessage> writer, Action<int> sent, CancellationToken cancellationToken)
    {
        var pending = new PendingWrites();
        pending.Write(writer, StageMessage.ForBarrier(0, 1));
        for (int i = 1; i <= Messages; i++)
        {
            pending.Write(writer, StageMessage.ForWatermark(0, i));
            await pending.FlushAsync(cancellationToken);
            sent(i);
        }

        pending.Write(writer, StageMessage.ForEnd(0));
        await pending.FlushAsync(cancellationToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task ASkewedInput_IsBackpressured_SoTheHeldMessagesStayWithinTheBound(int maxHeld)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var setup = Create(gated: true, maxHeld);
        var worker = Task.Run(() => setup.Worker.RunAsync(timeout.Token));
        var slow = setup.Gates!.WriterFor(setup.Channel.Writer, 1);
        await slow.WriteAsync(StageMessage.ForWatermark(1, 1_000_000), timeout.Token); // ahead: the merged watermark follows the fast input
        int sent = 0;
        var fast = Task.Run(() => FastProducerAsync(setup.Gates!.WriterFor(setup.Channel.Writer, 0), i => Volatile.Write(ref sent, i), timeout.Token));

        // Quiescent: the fast producer waits at its closed gate and the worker has taken everything from its channel.
        while (setup.Gates!.IsOpen(0) || setup.Channel.Reader.Count > 0) await Task.Delay(1, timeout.Token);
        int bound = maxHeld + Capacity + 1;
        setup.Worker.MaxHeld.Should().BeLessThanOrEqualTo(bound);
        Volatile.Read(ref sent).Should().BeLessThan(Messages, "the producer waits instead of the worker buffering everything");
        fast.IsCompleted.Should().BeFalse();

        // The slow input passes the barrier: the barrier aligns, the gate opens, everything flows in order.
        await slow.WriteAsync(StageMessage.ForBarrier(1, 1), timeout.Token);
        await fast;
        await slow.WriteAsync(StageMessage.ForEnd(1), timeout.Token);
        await worker;

        setup.Operator.Barriers.Should().Equal(1L);
        setup.Operator.Watermarks.Where(w => w <= Messages).Should().Equal(Enumerable.Range(1, Messages).Select(i => (long)i), "every message of the fast input arrived, in order");
        setup.Worker.MaxHeld.Should().BeLessThanOrEqualTo(bound);
    }

    [Fact]
    public async Task WithoutGates_TheWorkerWouldHoldEveryMessageOfTheSkewedInput()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var setup = Create(gated: false, maxHeld: 0);
        var worker = Task.Run(() => setup.Worker.RunAsync(timeout.Token));

        await FastProducerAsync(setup.Channel.Writer, _ => { }, timeout.Token);
        await setup.Channel.Writer.WriteAsync(StageMessage.ForBarrier(1, 1), timeout.Token);
        await setup.Channel.Writer.WriteAsync(StageMessage.ForEnd(1), timeout.Token);
        await worker;

        setup.Worker.MaxHeld.Should().BeGreaterThan(Messages, "this is the growth the gates bound");
    }
}
