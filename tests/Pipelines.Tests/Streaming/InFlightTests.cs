using Pipelines.Execution.Streaming;

namespace Pipelines.Tests.Streaming;

/// <summary>The run's count of work in flight: idle when no worker has work that can go on without the clock.</summary>
public class InFlightTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EveryWaiter_WakesWhenTheLastMessageIsSettled()
    {
        var inFlight = new InFlight();
        var worker = inFlight.NewCounter();
        worker.Add();
        worker.Add();
        var first = inFlight.WhenIdleAsync(CancellationToken.None).AsTask();
        var second = inFlight.WhenIdleAsync(CancellationToken.None).AsTask();

        worker.Done(1);
        first.IsCompleted.Should().BeFalse("one message is still in flight");
        worker.Done(1);

        await Task.WhenAll(first, second).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task AWorkerWaitingForTheClock_OrForRoomBehindOne_IsNotBusy()
    {
        var inFlight = new InFlight();
        var throttle = inFlight.NewCounter();
        var producer = inFlight.NewCounter();
        throttle.Add();
        producer.Add();
        producer.WaitOn(throttle);
        var idle = inFlight.WhenIdleAsync(CancellationToken.None).AsTask();
        idle.IsCompleted.Should().BeFalse("the throttle is working");

        throttle.Park();
        await idle.WaitAsync(HangGuard);

        throttle.Unpark();
        var again = inFlight.WhenIdleAsync(CancellationToken.None).AsTask();
        again.IsCompleted.Should().BeFalse("the throttle goes on once the clock moved, and the producer with it");
        producer.WaitOn(null);
        throttle.Done(1);
        again.IsCompleted.Should().BeFalse("the producer still has its message");
        producer.Done(1);
        await again.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task OverlappingClockWaits_KeepTheWorkerParkedUntilTheLastEnds()
    {
        var inFlight = new InFlight();
        var worker = inFlight.NewCounter();
        worker.Add();
        worker.Park();
        worker.Park();
        worker.Unpark();
        await inFlight.WhenIdleAsync(CancellationToken.None).AsTask().WaitAsync(HangGuard);

        worker.Unpark();
        inFlight.WhenIdleAsync(CancellationToken.None).IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task AClosedWorker_CountsNoMore()
    {
        var inFlight = new InFlight();
        var worker = inFlight.NewCounter();
        worker.Add();
        var idle = inFlight.WhenIdleAsync(CancellationToken.None).AsTask();
        worker.Close();
        await idle.WaitAsync(HangGuard);
        worker.Add();
        await inFlight.WhenIdleAsync(CancellationToken.None).AsTask().WaitAsync(HangGuard);
    }
}
