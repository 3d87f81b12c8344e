namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// The reader's marks drop an element whose input record was taken already, whichever writer's copy arrives
/// first, take every record once, and move with their partition as bytes.
/// </summary>
public class OriginMarksTests
{
    private static IEnumerable<ElementOrigin> Record(int input, long offset, int elements) =>
        Enumerable.Range(0, elements).Select(k => new ElementOrigin(input, offset) { Index = k });

    private static ElementOrigin At(long input, long offset, long index = 0) => new(input, offset) { Index = index };

    [Fact]
    public void AnElementAtOrBeforeTheMark_IsDropped_AndOneAfterIt_Taken()
    {
        var marks = new OriginMarks();
        marks.Take(0, At(3, 10)).Should().BeTrue();
        marks.Take(0, At(3, 10, 1)).Should().BeTrue("the second element of the same record");
        marks.Take(0, At(3, 10, 1)).Should().BeFalse("the same element again");
        marks.Take(0, At(3, 10)).Should().BeFalse("the record's first element again (its record read a second time)");
        marks.Take(0, At(3, 9, 5)).Should().BeFalse("an earlier record");
        marks.Take(0, At(4, 1)).Should().BeTrue("another input partition has its own mark");
        marks.Take(1, At(3, 2)).Should().BeTrue("another repartition partition has its own marks");
        marks.Take(0, At(3, 11)).Should().BeTrue();
    }

    /// <summary>
    /// Two writers of the same input partition (the old owner, which wrote up to some offset, and the new one, which
    /// starts again from the last commit) interleave their copies in every way they can: each record is taken exactly once.
    /// </summary>
    [Fact]
    public void TwoWritersInterleavedInAnyOrder_TakeEachElementExactlyOnce()
    {
        var random = new Random(13);
        for (int round = 0; round < 500; round++)
        {
            int elements = random.Next(1, 4);
            long committed = random.Next(0, 20), oldReached = committed + random.Next(0, 20), newReached = committed + random.Next(0, 40);
            var old = Enumerable.Range(0, 40).SelectMany(o => Record(7, o, elements)).Where(e => e.Offset < oldReached).ToList();
            var fresh = Enumerable.Range(0, 40).SelectMany(o => Record(7, o, elements)).Where(e => e.Offset >= committed && e.Offset < newReached).ToList();

            // The old owner's copies before the commit were delivered before the commit, so before the new owner
            // started; the rest of each writer's copies stay in order, and the two interleave at random.
            var arrived = old.Where(e => e.Offset < committed).ToList();
            int i = arrived.Count, j = 0;
            while (i < old.Count || j < fresh.Count)
            {
                if (j == fresh.Count || (i < old.Count && random.Next(2) == 0)) arrived.Add(old[i++]);
                else arrived.Add(fresh[j++]);
            }

            var marks = new OriginMarks();
            var taken = arrived.Where(e => marks.Take(0, e)).ToList();
            taken.Should().OnlyHaveUniqueItems();
            taken.Should().BeEquivalentTo(old.Union(fresh), "round {0}", round);
        }
    }

    [Fact]
    public void Marks_MoveAsBytes_AndAPartitionWithoutMarksHasNone()
    {
        var marks = new OriginMarks();
        marks.Take(2, At(0, 5, 1));
        marks.Take(2, At(0x7FFF_0000_0001_0001, 9));
        marks.Capture(3).Should().BeNull();

        var moved = new OriginMarks();
        moved.Restore(2, marks.Capture(2));
        moved.Take(2, At(0, 5, 1)).Should().BeFalse();
        moved.Take(2, At(0x7FFF_0000_0001_0001, 9)).Should().BeFalse();
        moved.Take(2, At(0, 5, 2)).Should().BeTrue();

        moved.Restore(2, null);
        moved.Take(2, At(0, 1)).Should().BeTrue("restoring nothing clears the partition");
        var damaged = () => moved.Restore(2, [0, 0, 0, 2, 1]);
        damaged.Should().Throw<InvalidDataException>().WithMessage("*partition 2*damaged*");
    }

    [Fact]
    public void KafkaOrigins_NumberPartitionsPerTopic_TheSameInEveryInstance()
    {
        new KafkaOrigins(["payments"]).Partition("payments", 3).Should().Be(3);
        var two = new KafkaOrigins(["a", "b"]);
        two.Partition("a", 3).Should().Be(new KafkaOrigins(["b", "a"]).Partition("a", 3), "the order of the subscription does not matter");
        (two.Partition("a", 3) & 0xFFFF).Should().Be(3);
        two.Partition("a", 3).Should().NotBe(two.Partition("b", 3)).And.BePositive();
        var pattern = new KafkaOrigins(["^pay.*"]);
        long first = pattern.Partition("payments-eu", 1);
        first.Should().Be(new KafkaOrigins(["^pay.*"]).Partition("payments-eu", 1), "a hash of the name, not of the process");
        first.Should().NotBe(pattern.Partition("payments-us", 1));
    }
}
