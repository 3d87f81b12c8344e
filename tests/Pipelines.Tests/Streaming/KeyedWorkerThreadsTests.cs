using Pipelines.Plan;
using Pipelines.State;

namespace Pipelines.Tests.Streaming;

/// <summary>
/// The workers of a keyed stage run at the same time, each on its own thread, so a stage's work spreads over the
/// cores instead of running on the producer's thread, and no worker holds the producer while it works.
/// </summary>
public sealed class KeyedWorkerThreadsTests
{
    /// <summary>A key per worker: <c>keys[w]</c> is routed to worker <c>w</c> of <paramref name="workers"/>.</summary>
    private static string[] KeysPerWorker(int workers)
    {
        var keys = new string?[workers];
        var hash = new KeyHash<string>(null);
        for (int i = 0; keys.Any(k => k is null); i++)
        {
            string key = $"sensor-{i}";
            keys[Partitioning.WorkerOf(hash.Of(key), workers)] ??= key;
        }

        return keys!;
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public async Task TheWorkersOfAKeyedStage_ProcessElementsAtTheSameTime(int parallelism, bool firstWorkerFirst)
    {
        // Each worker's element waits inside the function until every worker holds one. A worker run on the
        // source's thread would hold the source there until it returned, so the elements read after its own would
        // never reach the others: with the first worker's element read first, that worker must not run there either.
        var keys = KeysPerWorker(parallelism);
        string[] input = firstWorkerFirst ? keys : [.. keys.Skip(1), keys[0]];
        using var rendezvous = new Barrier(parallelism);
        var results = new List<string>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(input)).KeyBy(k => k).Process(() => new MeetTheOthers(rendezvous)).To(Sinks.Action<string>(r =>
        {
            lock (results) results.Add(r);
        }));

        await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = 1 }).RunAsync(p.Build()).WaitAsync(TimeSpan.FromSeconds(60));

        results.Should().BeEquivalentTo(input.Select(k => $"{k} met the others"));
    }

    private sealed class MeetTheOthers(Barrier rendezvous) : KeyedProcessFunction<string, string, string>
    {
        public override void ProcessElement(string element, KeyedProcessContext<string, string> context)
        {
            if (!rendezvous.SignalAndWait(TimeSpan.FromSeconds(20)))
            {
                throw new TimeoutException($"The worker of '{element}' met no other worker: the stage's workers did not run at the same time.");
            }

            context.Emit($"{element} met the others");
        }
    }
}
