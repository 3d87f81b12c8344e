using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Pipelines.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Stress;

/// <summary>
/// Instances of one consumer group stopped the way deploys and scale-downs stop them: together, while another
/// joins, or cancelled in the middle of a rebalance. Every stop must return in time, no record may be lost (each
/// is in a result, or its offset was not committed so its next owner reads it again), and the process must
/// survive (librdkafka aborts it when a consumer is closed during an assignment change).
/// </summary>
/// <remarks>
/// Long-running mode, by environment variable: <c>PIPELINES_KAFKA_STRESS_CYCLES</c> (default 24, four at a time on
/// one mock cluster; hundreds to hunt rare failures), <c>PIPELINES_KAFKA_STRESS_RECORDS</c> (per cycle, default
/// 2,000), <c>PIPELINES_KAFKA_STRESS_SESSION_MS</c> (every group's session timeout; 45000 is librdkafka's default,
/// whose rebalance rounds on the mock last 44 s) and <c>PIPELINES_KAFKA_STRESS_PARALLEL</c> (cycles at a time).
/// </remarks>
public class StopStressTests(ITestOutputHelper output)
{
    /// <summary>Forming the group: the mock's first assignment after 3 s, then rebalance rounds of up to the session timeout.</summary>
    private static TimeSpan GroupDeadline => TimeSpan.FromSeconds(40) + TimeSpan.FromMilliseconds(2 * SessionTimeoutMs);

    /// <summary>
    /// The cycles take turns: groups whose rebalance round (2 s) fits in the commit timeout, so a final commit
    /// refused by a new generation is retried and lands; and groups whose round (5 s) outlasts short commit and
    /// close timeouts, so stops give up on the group and leave the rest to the next owner. Half the cycles commit
    /// checkpoints while the run goes on (and during every rebalance); the others mostly when they drain.
    /// </summary>
    private static StressSettings Settings(int cycle)
    {
        var checkpoints = cycle / 4 % 2 == 0 ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
        var settings = cycle / 8 % 2 == 0
            ? new StressSettings(3000, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), checkpoints)
            : new StressSettings(6000, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), checkpoints);
        return SessionTimeoutMs > 0 ? settings with { SessionTimeoutMs = SessionTimeoutMs } : settings;
    }

    /// <summary>The drain (well under a second here), the final commit and leaving the group, plus room for a loaded machine.</summary>
    private static TimeSpan StopBound(StressSettings settings) => settings.CommitTimeout + settings.CloseTimeout + TimeSpan.FromSeconds(8);

    private enum Scenario
    {
        TwoStopTogether,
        ThreeStopTogether,
        OneStopsWhileAnotherJoins,
        OneCancelledMidRebalance,
    }

    private static int Records => Setting("PIPELINES_KAFKA_STRESS_RECORDS", 2000);

    private static int Cycles => Setting("PIPELINES_KAFKA_STRESS_CYCLES", 24);

    /// <summary>Overrides the session timeout of every cycle when set.</summary>
    private static int SessionTimeoutMs => Setting("PIPELINES_KAFKA_STRESS_SESSION_MS", 0);

    private static int ConcurrentCycles => Setting("PIPELINES_KAFKA_STRESS_PARALLEL", 4);

    private static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : fallback;

    [Fact]
    public async Task InstancesStoppedTogether_WhileOneJoins_OrCancelledMidRebalance_StopInTime_AndLoseNoRecord()
    {
        using var cluster = KafkaTestCluster.StartMock(brokers: 3);
        var outcomes = new ConcurrentBag<Outcome>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Cycles),
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentCycles },
            async (cycle, _) => outcomes.Add(await RunCycleAsync(cluster, cycle)));

        var failed = outcomes.Where(o => o.Problems.Count > 0).OrderBy(o => o.Cycle).ToList();
        output.WriteLine($"{outcomes.Count} cycles in {clock.Elapsed.TotalSeconds:0} s; {failed.Count} failed; slowest stop {outcomes.Max(o => o.SlowestStop).TotalSeconds:0.0} s; "
            + $"{outcomes.Count(o => o.CommittedEverything)} cycles committed every offset");
        foreach (var group in outcomes.GroupBy(o => o.Scenario).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {group.Key}: {group.Count()} cycles, {group.Count(o => o.Problems.Count > 0)} failed");
        }

        foreach (var outcome in failed)
        {
            output.WriteLine($"cycle {outcome.Cycle} ({outcome.Scenario}):");
            foreach (var problem in outcome.Problems) output.WriteLine("  " + problem);
            foreach (var line in outcome.Log) output.WriteLine("    " + line);
        }

        failed.SelectMany(o => o.Problems.Select(p => $"cycle {o.Cycle} ({o.Scenario}): {p}")).Should().BeEmpty();
    }

    private static async Task<Outcome> RunCycleAsync(KafkaTestCluster cluster, int cycle)
    {
        var scenario = (Scenario)(cycle % 4);
        var random = new Random(cycle);
        var outcome = new Outcome(cycle, scenario);
        string topic = KafkaTestCluster.UniqueName("orders"), group = KafkaTestCluster.UniqueName("totals");
        var instances = new List<StressInstance>();

        var settings = Settings(cycle);
        StressInstance Start(string name)
        {
            var instance = StressInstance.Start(cluster, topic, group, $"c{cycle}-{name}", settings, outcome.Log);
            instances.Add(instance);
            return instance;
        }

        try
        {
            int partitions = await cluster.CreateTopicAsync(topic);
            var a = Start("a");
            var b = Start("b");
            if (scenario == Scenario.ThreeStopTogether) Start("c");
            await Eventually.True(
                () => instances.All(i => i.Assignment.Owned.Length > 0)
                    && instances.SelectMany(i => i.Assignment.Owned).Order().SequenceEqual(Enumerable.Range(0, partitions)),
                GroupDeadline,
                () => $"every instance to own a share of the partitions ({string.Join("; ", instances)})");

            await cluster.ProduceAsync(topic, Enumerable.Range(0, Records).Select(i => new TestRecord($"k{i % 50}", $"v{i}")));
            await Eventually.True(() => instances.Sum(i => i.Run.ElementsRead) >= Records, GroupDeadline, () => $"every record to be read ({string.Join("; ", instances)})");

            switch (scenario)
            {
                case Scenario.TwoStopTogether:
                case Scenario.ThreeStopTogether:
                    await Task.WhenAll(instances.Select(async i =>
                    {
                        // Within a moment of each other: one leaves the group while another drains or commits.
                        await Task.Delay(random.Next(0, 2) == 0 ? 0 : random.Next(0, 1500));
                        await StopAsync(i, drain: true, settings, outcome);
                    }));
                    break;
                case Scenario.OneStopsWhileAnotherJoins:
                {
                    var c = Start("c");
                    await Task.Delay(random.Next(0, 2500));
                    await StopAsync(a, drain: true, settings, outcome);
                    await Task.Delay(random.Next(0, 2500));
                    await Task.WhenAll(StopAsync(b, drain: true, settings, outcome), StopAsync(c, drain: true, settings, outcome));
                    break;
                }

                case Scenario.OneCancelledMidRebalance:
                {
                    var c = Start("c");
                    await Task.Delay(random.Next(0, 2500));
                    if (random.Next(2) == 0) await CancelAsync(b, settings, outcome);
                    else await StopAsync(b, drain: false, settings, outcome);
                    await Task.Delay(random.Next(0, 2500));
                    await Task.WhenAll(StopAsync(a, drain: true, settings, outcome), StopAsync(c, drain: true, settings, outcome));
                    break;
                }
            }

            Check(cluster, topic, group, scenario, instances, outcome);
        }
        catch (Exception ex)
        {
            outcome.Problems.Enqueue($"the cycle failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            // An instance left running by a failed cycle must not keep the group busy.
            foreach (var instance in instances.Where(i => !i.Run.Completion.IsCompleted)) instance.Cancel();
        }

        return outcome;
    }

    private static async Task StopAsync(StressInstance instance, bool drain, StressSettings settings, Outcome outcome)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await instance.Run.StopAsync(drain).WaitAsync(StopBound(settings));
        }
        catch (TimeoutException)
        {
            outcome.Problems.Enqueue($"{instance.Name}: StopAsync(drain: {drain}) did not return within {StopBound(settings).TotalSeconds:0} s ({instance})");
        }
        catch (Exception ex)
        {
            outcome.Problems.Enqueue($"{instance.Name}: StopAsync(drain: {drain}) failed: {ex.GetType().Name}: {ex.Message}");
        }

        outcome.Stopped(clock.Elapsed);
    }

    private static async Task CancelAsync(StressInstance instance, StressSettings settings, Outcome outcome)
    {
        var clock = Stopwatch.StartNew();
        instance.Cancel();
        try
        {
            await instance.Run.Completion.WaitAsync(StopBound(settings));
            outcome.Problems.Enqueue($"{instance.Name}: a cancelled run completed instead of being cancelled");
        }
        catch (OperationCanceledException)
        {
            // The expected ending.
        }
        catch (TimeoutException)
        {
            outcome.Problems.Enqueue($"{instance.Name}: a cancelled run did not end within {StopBound(settings).TotalSeconds:0} s ({instance})");
        }
        catch (Exception ex)
        {
            outcome.Problems.Enqueue($"{instance.Name}: a cancelled run failed: {ex.GetType().Name}: {ex.Message}");
        }

        outcome.Stopped(clock.Elapsed);
    }

    /// <summary>
    /// At-least-once: every record below a partition's committed offset is in a result (else it is lost: nobody
    /// reads it again). When every instance drained, every record is in a result.
    /// </summary>
    private static void Check(KafkaTestCluster cluster, string topic, string group, Scenario scenario, List<StressInstance> instances, Outcome outcome)
    {
        var results = instances.SelectMany(i => i.Results).ToHashSet();
        var committed = cluster.CommittedOffsets(group, topic);
        var ends = cluster.EndOffsets(topic);
        foreach (var (partition, offset) in committed)
        {
            var lost = Enumerable.Range(0, (int)offset).Where(o => !results.Contains($"{partition}@{o}")).ToList();
            if (lost.Count > 0) outcome.Problems.Enqueue($"partition {partition}: {lost.Count} records below the committed offset {offset} are in no result (first @{lost[0]})");
        }

        if (scenario != Scenario.OneCancelledMidRebalance)
        {
            var missing = ends.SelectMany(e => Enumerable.Range(0, (int)e.Value).Select(o => $"{e.Key}@{o}")).Where(id => !results.Contains(id)).ToList();
            if (missing.Count > 0) outcome.Problems.Enqueue($"{missing.Count} records read by instances that drained are in no result (first {missing[0]})");
        }

        outcome.CommittedEverything = ends.All(e => committed.TryGetValue(e.Key, out long c) && c == e.Value);
    }

    private sealed class Outcome(int cycle, Scenario scenario)
    {
        private long _slowestTicks;

        public int Cycle { get; } = cycle;

        public Scenario Scenario { get; } = scenario;

        public ConcurrentQueue<string> Log { get; } = new();

        public ConcurrentQueue<string> Problems { get; } = new();

        public bool CommittedEverything { get; set; }

        public TimeSpan SlowestStop => TimeSpan.FromTicks(Interlocked.Read(ref _slowestTicks));

        public void Stopped(TimeSpan took)
        {
            long ticks = took.Ticks, seen;
            while ((seen = Interlocked.Read(ref _slowestTicks)) < ticks && Interlocked.CompareExchange(ref _slowestTicks, ticks, seen) != seen)
            {
            }
        }
    }
}
