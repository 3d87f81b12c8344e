using NpgsqlTypes;

namespace Pipelines.Postgres.Tests;

/// <summary>The order of <see cref="ChangeRecord{T}.Sequence"/>, which exactly-once sinks skip what they committed by.</summary>
public sealed class ChangeRecordSequenceTests
{
    [Fact]
    public void EverySnapshotRow_ComesBeforeATransactionThatCommitsAtTheConsistentPoint()
    {
        // The first transaction streamed after the snapshot can commit exactly at the slot's consistent point, which
        // the snapshot rows carried as their LSN too: its changes sorted among the snapshot's, and a sink that had
        // committed the snapshot skipped them as written.
        var consistentPoint = new NpgsqlLogSequenceNumber(0x16B3748);
        var lastSnapshotRow = new ChangeRecord<string>(ChangeOperation.Snapshot, "public.t", null, "row", consistentPoint, DateTimeOffset.UnixEpoch, 0, 5_000);
        var firstChange = new ChangeRecord<string>(ChangeOperation.Insert, "public.t", null, "new", consistentPoint, DateTimeOffset.UnixEpoch, 731, 0);

        (lastSnapshotRow.Sequence < firstChange.Sequence).Should().BeTrue();
        lastSnapshotRow.Lsn.Should().Be(consistentPoint, "the record still says where the snapshot was taken");
    }
}
