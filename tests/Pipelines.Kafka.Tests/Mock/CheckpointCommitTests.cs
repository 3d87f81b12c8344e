using System.Collections.Concurrent;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>Offsets committed on the checkpoint interval while the run goes on, never ahead of the results.</summary>
public class CheckpointCommitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private KafkaSource<string, string> Source(KafkaTestCluster cluster, string topic, string group, string name) => new(new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = group,
        Topics = [topic],
        ConsumerConfig = cluster.GroupConsumerConfig,
        Name = name,
        Logger = new TestOutputLogger(output, name),
    });

    [Fact]
    public async Task OffsetsAreCommittedWhileTheRunGoesOn_SoAKilledInstanceIsNotReadAgain()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("events"), group = KafkaTestCluster.UniqueName("g");
        await cluster.CreateTopicAsync(topic);
        var first = Enumerable.Range(0, 200).Select(i => new TestRecord($"k{i % 13}", $"v{i}")).ToList();
        await cluster.ProduceAsync(topic, first);

        var seenByA = new ConcurrentQueue<string>();
        var a = new PipelineBuilder("a");
        a.From(Source(cluster, topic, group, "a")).Select(r => r.Value).To(Sinks.Action<string>(seenByA.Enqueue));
        var runA = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval }).Start(a.Build());

        await Eventually.True(
            () => cluster.CommittedOffsets(group, topic).OrderBy(o => o.Key).SequenceEqual(cluster.EndOffsets(topic).OrderBy(o => o.Key)),
            Deadline,
            "every record's offset to be committed while the run goes on");
        runA.Completion.IsCompleted.Should().BeFalse("the commits came from checkpoints, not from the end of the run");
        runA.CheckpointsCompleted.Should().BeGreaterThan(0);
        seenByA.Should().HaveCount(first.Count);

        // Killed without draining: nothing more is committed, but what was is enough for the next instance.
        await runA.StopAsync(drain: false).WaitAsync(Deadline);
        var second = Enumerable.Range(200, 50).Select(i => new TestRecord($"k{i % 13}", $"v{i}")).ToList();
        await cluster.ProduceAsync(topic, second);
        var seenByB = new ConcurrentQueue<string>();
        var b = new PipelineBuilder("b");
        b.From(Source(cluster, topic, group, "b")).Select(r => r.Value).To(Sinks.Action<string>(seenByB.Enqueue));
        var runB = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval }).Start(b.Build());
        await Eventually.True(() => seenByB.Count >= second.Count, Deadline, "the new records to reach the next instance");
        await runB.StopAsync().WaitAsync(Deadline);

        seenByB.Should().BeEquivalentTo(second.Select(r => r.Value), "the checkpoints committed everything the first instance had handled");
    }

    [Fact]
    public async Task AWindowedPipeline_CommitsARecordOnlyAfterItsWindowHasFired()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("clicks"), group = KafkaTestCluster.UniqueName("g");
        int partitions = await cluster.CreateTopicAsync(topic);
        var firstMinute = Enumerable.Range(0, partitions)
            .SelectMany(p => Enumerable.Range(0, 5).Select(i => new TestRecord($"user{p}", "click", T0.AddSeconds(i), p)))
            .ToList();
        await cluster.ProduceAsync(topic, firstMinute);

        var counts = new ConcurrentQueue<WindowResult<string, long>>();
        var p = new PipelineBuilder("windowed");
        p.From(Source(cluster, topic, group, "windowed"))
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.Zero, idleTimeout: TimeSpan.FromSeconds(1)))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Action<WindowResult<string, long>>(counts.Enqueue));
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, Parallelism = 2, Logger = new TestOutputLogger(output, "run") }).Start(p.Build());

        // The records are read and checkpoints run, but the window holding them is open: nothing may be committed.
        await Eventually.True(() => run.ElementsRead == firstMinute.Count, Deadline, "the first minute to be read");
        await Task.Delay(10 * Interval);
        counts.Should().BeEmpty();
        cluster.CommittedOffsets(group, topic).Should().BeEmpty("the first minute's results have not been emitted yet");

        // A record two minutes later on every partition moves the watermark past the first window's end. The
        // checkpoint in flight completes; it may have been taken before every first-minute record was read, but
        // never after a record of the window still open at +2 min.
        await cluster.ProduceAsync(topic, Enumerable.Range(0, partitions).Select(q => new TestRecord($"user{q}", "click", T0.AddMinutes(2), q)));
        await Eventually.True(() => cluster.CommittedOffsets(group, topic).Values.Sum() > 0, Deadline, "offsets of the first minute to be committed");
        cluster.CommittedOffsets(group, topic).Values.Should().OnlyContain(offset => offset <= 5, "the records at +2 min sit in an open window");
        counts.Where(c => c.Window.Start == T0).Should().HaveCount(partitions).And.OnlyContain(c => c.Value == 5,
            "by the time an offset is committed, the results of its records have reached the sink");

        // The next checkpoint follows every record read so far; it completes when the +2 min window fires.
        await Task.Delay(10 * Interval);
        await cluster.ProduceAsync(topic, Enumerable.Range(0, partitions).Select(q => new TestRecord($"user{q}", "click", T0.AddMinutes(4), q)));
        await Eventually.True(() => cluster.CommittedOffsets(group, topic).Values.Sum() >= firstMinute.Count + partitions, Deadline, "the +2 min offsets to be committed");
        cluster.CommittedOffsets(group, topic).Values.Should().OnlyContain(offset => offset == 6, "the records at +4 min sit in an open window");
        counts.Where(c => c.Window.Start == T0.AddMinutes(2)).Should().HaveCount(partitions);

        await run.StopAsync().WaitAsync(Deadline);
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic), "the drain commits the rest");
    }
}
