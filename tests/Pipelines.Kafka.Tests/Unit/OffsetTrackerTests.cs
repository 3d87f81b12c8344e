using Confluent.Kafka;

namespace Pipelines.Kafka.Tests.Unit;

public class OffsetTrackerTests
{
    private static readonly TopicPartition P0 = new("t", 0);
    private static readonly TopicPartition P1 = new("t", 1);

    [Fact]
    public void Handled_CommitsTheOffsetAfterTheLastHandledRecord()
    {
        var tracker = new OffsetTracker();
        tracker.Handled(P0, 4);
        tracker.Handled(P0, 5);
        tracker.Handled(P1, 0);

        tracker.Uncommitted([P0, P1]).Should().BeEquivalentTo([new TopicPartitionOffset(P0, 6), new TopicPartitionOffset(P1, 1)]);
    }

    [Fact]
    public void MarkCommitted_LeavesNothingToCommit_UntilMoreIsHandled()
    {
        var tracker = new OffsetTracker();
        tracker.Handled(P0, 5);
        tracker.MarkCommitted(tracker.Uncommitted([P0]));
        tracker.Uncommitted([P0]).Should().BeEmpty();

        tracker.Handled(P0, 6);
        tracker.Uncommitted([P0]).Should().Equal(new TopicPartitionOffset(P0, 7));
    }

    [Fact]
    public void Uncommitted_OnlyForTheAskedPartitions_AndOnlyThoseWithRecords()
    {
        var tracker = new OffsetTracker();
        tracker.Handled(P0, 1);

        tracker.Uncommitted([P1]).Should().BeEmpty();
        tracker.Uncommitted([P0, P1]).Should().Equal(new TopicPartitionOffset(P0, 2));
    }

    [Fact]
    public void NewPartition_StartsFromTheCommittedOffset()
    {
        new OffsetTracker().Assign([P0]).Should().Equal(new TopicPartitionOffset(P0, Offset.Unset));
    }

    [Fact]
    public void RestoredPosition_StartsItsPartitionsAtTheirOffsets_OnTheirFirstAssignmentOnly()
    {
        var tracker = new OffsetTracker(new KafkaPosition([new KafkaPartitionPosition("t", 0, 42, Epoch: 7), new KafkaPartitionPosition("other", 1, 3)]));

        tracker.Assign([P0, P1]).Should().Equal(new TopicPartitionOffset(P0, 42), new TopicPartitionOffset(P1, Offset.Unset));
        tracker.Capture().Partitions.Should().ContainSingle().Which.Should().Match<KafkaPartitionPosition>(e => e.Topic == "t" && e.Partition == 0 && e.NextOffset == 42);
        tracker.Uncommitted([P0]).Should().Equal(new TopicPartitionOffset(P0, 42));

        // Lost and assigned again (another instance may have moved on meanwhile): the group's offset, not the restored one.
        tracker.Forget([P0]);
        tracker.Assign([P0]).Should().Equal(new TopicPartitionOffset(P0, Offset.Unset));
    }

    [Fact]
    public void RestoredPosition_WithANegativeOffset_IsRefused()
    {
        var act = () => new OffsetTracker(new KafkaPosition([new KafkaPartitionPosition("t", 0, -1)]));
        act.Should().Throw<ArgumentException>().WithMessage("*topic 't' partition 0*negative*");
    }

    [Fact]
    public void Capture_NamesTopicPartitionNextOffsetAndEpoch_AndCommittableHonoursTheEpoch()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0]);
        tracker.Handled(P0, 4);
        var position = tracker.Capture();

        position.Find("t", 0).Should().Be(new KafkaPartitionPosition("t", 0, 5, position.Find("t", 0)!.Epoch));
        position.Find("t", 1).Should().BeNull();
        tracker.Committable(position).Should().Equal(new TopicPartitionOffset(P0, 5));
        tracker.Committable(position with { Partitions = [position.Partitions[0] with { Epoch = position.Partitions[0].Epoch + 1 }] })
            .Should().BeEmpty("a position from another ownership of the partition is not committed");
    }

    [Fact]
    public void RevokedPartition_IsNotCommittedAfterRevocation_AndComingStraightBack_ResumesWhereThisInstanceWas()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0, P1]);
        tracker.Handled(P0, 9);
        tracker.Handled(P1, 3);
        tracker.Release([P0, P1]);
        tracker.Uncommitted([P0, P1]).Should().BeEmpty("a revoked partition's records may still be in open windows");

        tracker.Assign([P0]).Should().Equal(new TopicPartitionOffset(P0, 10));
        tracker.Uncommitted([P0]).Should().Equal(new TopicPartitionOffset(P0, 10));
        tracker.Assign([P1]).Should().ContainSingle().Which.Should().Be(new TopicPartitionOffset(P1, Offset.Unset), "P1 went to another instance in between: start from the group's commit");
    }

    [Fact]
    public void LostPartition_IsForgotten()
    {
        var tracker = new OffsetTracker();
        tracker.Handled(P0, 9);
        tracker.Release([P0]);
        tracker.Forget([P0]);

        tracker.Assign([P0]).Should().Equal(new TopicPartitionOffset(P0, Offset.Unset));
        tracker.Uncommitted([P0]).Should().BeEmpty();
    }

    [Fact]
    public void CheckpointPosition_CommitsWhatWasHandledBeforeIt_NotWhatCameAfter()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0, P1]);
        tracker.Handled(P0, 4);
        var position = tracker.Capture();
        tracker.Handled(P0, 5);
        tracker.Handled(P1, 0);

        tracker.Committable(position).Should().Equal(new TopicPartitionOffset(P0, 5));
        tracker.MarkCommitted(tracker.Committable(position));
        tracker.Committable(position).Should().BeEmpty("it is committed already");
        tracker.Uncommitted([P0, P1]).Should().BeEquivalentTo([new TopicPartitionOffset(P0, 6), new TopicPartitionOffset(P1, 1)]);
    }

    [Fact]
    public void CheckpointPosition_IsNotCommitted_ForAPartitionThatChangedOwnerSince()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0, P1]);
        tracker.Handled(P0, 4);
        tracker.Handled(P1, 7);
        var position = tracker.Capture();

        // P0 goes to another instance and comes back later: its offset from before may be behind that instance's
        // commit. P1 comes straight back each time (eager rebalances): still the same ownership.
        tracker.Release([P0, P1]);
        tracker.Assign([P1]);
        tracker.Release([P1]);
        tracker.Assign([P0, P1]);

        tracker.Committable(position).Should().Equal(new TopicPartitionOffset(P1, 8));
    }

    [Fact]
    public void CheckpointPosition_IsCommitted_ForAPartitionThatCameStraightBack()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0]);
        tracker.Handled(P0, 4);
        var position = tracker.Capture();
        tracker.Release([P0]);
        tracker.Assign([P0]);

        tracker.Committable(position).Should().Equal(new TopicPartitionOffset(P0, 5));
    }

    [Fact]
    public void CheckpointPosition_CanBeLimitedToRevokedPartitions()
    {
        var tracker = new OffsetTracker();
        tracker.Assign([P0, P1]);
        tracker.Handled(P0, 1);
        tracker.Handled(P1, 2);

        tracker.Committable(tracker.Capture(), [P1]).Should().Equal(new TopicPartitionOffset(P1, 3));
    }
}
