using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>Offsets committed on the checkpoint interval while the run goes on, never ahead of the results.</summary>
public class CheckpointCommitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>
    /// For a first instance to join its group, read and commit: the mock's group coordinator takes a few rounds of its
    /// timers to assign, and CI runs this beside other test projects on two cores (20 s was once not enough there).
    /// </summary>
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(40);
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
            JoinDeadline,
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
        await Eventually.True(() => seenByB.Count >= second.Count, JoinDeadline, "the new records to reach the next instance");
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

        // One log, in the order things happened: the positions checkpoints take and commit, and the window results.
        // Checkpoints start on a fake clock, each once the source has read a known set of records: a checkpoint
        // taken halfway through a burst would be held until a window the test has not closed yet fires.
        var log = new EventLog();
        var clock = new FakeTimeProvider(T0);
        var source = new RecordingSource<KafkaRecord<string, string>, KafkaPosition>(Source(cluster, topic, group, "windowed"), log);
        var p = new PipelineBuilder("windowed");
        p.From(source)
            .WithEventTime(r => r.Timestamp, KafkaWatermarks.PerPartition(TimeSpan.Zero, idleTimeout: TimeSpan.FromSeconds(1), clock))
            .KeyBy(r => r.Key)
            .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
            .Count()
            .To(Sinks.Action<WindowResult<string, long>>(w => log.Add(w)));
        var run = new StreamingExecutor(new StreamingOptions { CheckpointInterval = Interval, Parallelism = 2, TimeProvider = clock, Logger = new TestOutputLogger(output, "run") }).Start(p.Build());

        // A checkpoint taken after every first-minute record was read, while their window is open: it must not
        // complete (nor anything be committed) before that window has fired. Waiting for it proves a checkpoint
        // was in flight; the order in the log proves it was held.
        await Eventually.True(() => source.Read == firstMinute.Count, Deadline, "the source to read the whole first minute");
        clock.Advance(Interval);
        await Eventually.True(() => Captures(log).Any(c => EveryPartitionAt(c, 5)), Deadline, "a checkpoint behind the whole first minute");
        Results(log).Should().BeEmpty("no record has moved the watermark past the first minute yet");
        Commits(log).Should().BeEmpty("a checkpoint that follows a record is held while its window is open");

        // A record two minutes later on every partition moves the watermark past the first window's end. The
        // checkpoint in flight completes; nothing after it covers a record of the window still open at +2 min.
        await cluster.ProduceAsync(topic, Enumerable.Range(0, partitions).Select(q => new TestRecord($"user{q}", "click", T0.AddMinutes(2), q)));
        await Eventually.True(() => cluster.CommittedOffsets(group, topic).Values.Sum() > 0, Deadline, "offsets of the first minute to be committed");
        cluster.CommittedOffsets(group, topic).Values.Should().OnlyContain(offset => offset <= 5, "the records at +2 min sit in an open window");
        Results(log).Where(c => c.Window.Start == T0).Should().HaveCount(partitions).And.OnlyContain(c => c.Value == 5);

        // A checkpoint behind the +2 min records; it completes when the +2 min window fires.
        await Eventually.True(() => source.Read == firstMinute.Count + partitions, Deadline, "the source to read the +2 min records");
        clock.Advance(Interval);
        await Eventually.True(() => Captures(log).Any(c => EveryPartitionAt(c, 6)), Deadline, "a checkpoint behind the +2 min records");
        await cluster.ProduceAsync(topic, Enumerable.Range(0, partitions).Select(q => new TestRecord($"user{q}", "click", T0.AddMinutes(4), q)));
        await Eventually.True(() => cluster.CommittedOffsets(group, topic).Values.Sum() >= firstMinute.Count + partitions, Deadline, "the +2 min offsets to be committed");
        cluster.CommittedOffsets(group, topic).Values.Should().OnlyContain(offset => offset == 6, "the records at +4 min sit in an open window");
        Results(log).Where(c => c.Window.Start == T0.AddMinutes(2)).Should().HaveCount(partitions);

        await run.StopAsync().WaitAsync(Deadline);
        cluster.CommittedOffsets(group, topic).Should().BeEquivalentTo(cluster.EndOffsets(topic), "the drain commits the rest");

        // The order: every commit came after the results of every window holding a record it covers (user{p} writes
        // partition p: offsets 0–4 are in the first minute, offset 5 at +2 min, offset 6 at +4 min).
        var events = log.Snapshot();
        var commits = events.Select((e, i) => (Event: e as RecordingSource<KafkaRecord<string, string>, KafkaPosition>.Committed, At: i)).Where(c => c.Event is not null).ToList();
        commits.Should().NotBeEmpty();
        foreach (var (commit, at) in commits)
        {
            foreach (var entry in commit!.Position.Partitions)
            {
                var emittedBefore = events.Take(at).OfType<WindowResult<string, long>>().Where(w => w.Key == $"user{entry.Partition}").Select(w => w.Window.Start).ToList();
                for (long offset = 0; offset < entry.NextOffset; offset++)
                {
                    var window = offset < 5 ? T0 : T0.AddMinutes(offset == 5 ? 2 : 4);
                    emittedBefore.Should().Contain(window, $"the commit of offset {entry.NextOffset} on partition {entry.Partition} covers the record at offset {offset}");
                }
            }
        }
    }

    private static List<KafkaPosition> Captures(EventLog log) =>
        [.. log.Snapshot().OfType<RecordingSource<KafkaRecord<string, string>, KafkaPosition>.Captured>().Select(c => c.Position)];

    private static List<KafkaPosition> Commits(EventLog log) =>
        [.. log.Snapshot().OfType<RecordingSource<KafkaRecord<string, string>, KafkaPosition>.Committed>().Select(c => c.Position)];

    private static List<WindowResult<string, long>> Results(EventLog log) => [.. log.Snapshot().OfType<WindowResult<string, long>>()];

    private static bool EveryPartitionAt(KafkaPosition position, long next) =>
        position.Partitions.Count == KafkaTestCluster.MockPartitions && position.Partitions.All(e => e.NextOffset == next);
}
