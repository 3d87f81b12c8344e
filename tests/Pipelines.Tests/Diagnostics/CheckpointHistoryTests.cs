using Microsoft.Extensions.Time.Testing;
using Pipelines.Diagnostics;

namespace Pipelines.Tests.Diagnostics;

public class CheckpointHistoryTests
{
    private static RunSnapshot Empty(DateTimeOffset now) => new()
    {
        Time = now, State = RunState.Running, Uptime = TimeSpan.Zero, Totals = new RunSummary(), Nodes = [],
    };

    [Fact]
    public void Record_KeepsCounts_TheLastCompleted_AndTheLastTenNewestFirst()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero));
        var history = new CheckpointHistory(clock);
        for (int i = 1; i <= 12; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            history.Record(i, TimeSpan.FromMilliseconds(i), i == 11 ? new IOException("disk full") : null);
        }

        var snapshot = history.Fill(Empty(clock.GetUtcNow()));
        snapshot.CheckpointsCompleted.Should().Be(11);
        snapshot.CheckpointsFailed.Should().Be(1);
        snapshot.LastCompletedCheckpoint!.Id.Should().Be(12);
        snapshot.LastCompletedCheckpoint.Duration.Should().Be(TimeSpan.FromMilliseconds(12));
        snapshot.LastCompletedCheckpoint.EndedAt.Should().Be(clock.GetUtcNow());
        snapshot.RecentCheckpoints.Select(c => c.Id).Should().Equal(12, 11, 10, 9, 8, 7, 6, 5, 4, 3);
        snapshot.RecentCheckpoints[1].Should().Match<CheckpointRecord>(c => c.Failed && c.Error == "IOException: disk full");
    }
}
