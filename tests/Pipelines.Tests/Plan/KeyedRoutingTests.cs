using Pipelines.Plan;

namespace Pipelines.Tests.Plan;

/// <summary>
/// How a keyed stage with several workers gets its elements: the workers of a batch are computed in one loop (the
/// spread hash code scaled to the number of workers, without a division), and a key selector that throws sends its element to worker 0,
/// whose operator applies the error policy.
/// </summary>
public class KeyedRoutingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void HashToWorker_GivesAWorkerInRange_ForEveryHashAndWorkerCount_AsPartitioningDoes()
    {
        var random = new Random(7);
        uint[] edges = [0, 1, 2, 3, 63, 64, 65, 127, 128, 1_000_003, int.MaxValue, (uint)int.MaxValue + 1, uint.MaxValue - 1, uint.MaxValue];
        foreach (int workers in Enumerable.Range(1, 130).Concat([1_000, 65_535, 65_536, 1_000_000, int.MaxValue]))
        {
            var toWorker = new HashToWorker(workers);
            toWorker.Count.Should().Be(workers);
            foreach (uint hash in edges.Concat(Enumerable.Range(0, 500).Select(_ => (uint)random.NextInt64(0, (long)uint.MaxValue + 1))))
            {
                toWorker.Of(hash).Should().BeInRange(0, workers - 1, $"hash {hash}, {workers} workers");
                Partitioning.WorkerOf((int)hash, workers).Should().Be(toWorker.Of(hash));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(1 << 20)]
    public void HashToWorker_SpreadsHashCodesThatDifferInFewBits_OverEveryWorker(int stride)
    {
        // Hash codes in strides (ids that are multiples of a power of two) differ in none of their low bits.
        for (int workers = 2; workers <= 16; workers++)
        {
            var toWorker = new HashToWorker(workers);
            var perWorker = new int[workers];
            for (int i = 0; i < 4_000; i++) perWorker[toWorker.Of(unchecked((uint)(i * stride)))]++;
            perWorker.Should().OnlyContain(n => n > 4_000 / workers / 2 && n < 4_000 / workers * 2, $"{workers} workers share hash codes in strides of {stride}");
        }
    }

    [Fact]
    public void HashToWorker_RefusesNoWorkers() =>
        FluentActions.Invoking(() => new HashToWorker(0)).Should().Throw<ArgumentOutOfRangeException>();

    /// <summary>A record key, as users key by several fields.</summary>
    private sealed record Region(string Country, int Zone);

    public static TheoryData<int, int> Parallelisms() => new() { { 2, 1024 }, { 3, 1024 }, { 3, 7 }, { 4, 64 } };

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public async Task SeveralWorkers_CountEveryKey_AsTheBoundedRunDoes_ForStringAndRecordKeys(int parallelism, int batchSize)
    {
        var input = Enumerable.Range(0, 20_000).Select(i => (Id: i, Time: T0.AddMilliseconds(i * 5))).ToArray();

        async Task<Dictionary<(TKey, long), long>> CountAsync<TKey>(Func<(int Id, DateTimeOffset Time), TKey> keyOf, int? workers)
            where TKey : notnull
        {
            var results = new List<WindowResult<TKey, long>>();
            var p = new PipelineBuilder();
            p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, Watermarks.Monotonic())
                .KeyBy(keyOf).Window(Windows.Tumbling(TimeSpan.FromSeconds(1))).Count().To(Sinks.Collection(results));
            var pipeline = p.Build();
            if (workers is { } n) await new StreamingExecutor(new StreamingOptions { Parallelism = n, MaxBatchSize = batchSize }).RunAsync(pipeline);
            else await new BoundedExecutor().RunAsync(pipeline);
            results.GroupBy(r => (r.Key, r.Window.Start)).Should().OnlyContain(g => g.Count() == 1, "each (key, window) fires once, from the one worker that owns the key");
            return results.ToDictionary(r => (r.Key, r.Window.Start.UtcTicks), r => r.Value);
        }

        var strings = await CountAsync(e => $"user-{e.Id % 97}", parallelism);
        strings.Should().BeEquivalentTo(await CountAsync(e => $"user-{e.Id % 97}", null));
        strings.Values.Sum().Should().Be(input.Length);

        var records = await CountAsync(e => new Region(e.Id % 3 == 0 ? "DE" : "FR", e.Id % 13), parallelism);
        records.Should().BeEquivalentTo(await CountAsync(e => new Region(e.Id % 3 == 0 ? "DE" : "FR", e.Id % 13), null));

        var longs = await CountAsync(e => (long)e.Id * 1_000_003 % 50_021, parallelism);
        longs.Should().BeEquivalentTo(await CountAsync(e => (long)e.Id * 1_000_003 % 50_021, null));
    }

    [Theory]
    [MemberData(nameof(Parallelisms))]
    public async Task SeveralWorkers_AFailingKeySelector_UnderSkip_LeavesOutOnlyItsElements(int parallelism, int batchSize)
    {
        var input = Enumerable.Range(0, 10_000).Select(i => (Id: i, Time: T0.AddMilliseconds(i * 5))).ToArray();
        static bool Bad((int Id, DateTimeOffset Time) e) => e.Id % 17 == 3;
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, Watermarks.Monotonic())
            .KeyBy(e => Bad(e) ? throw new InvalidOperationException($"no key for {e.Id}") : $"k{e.Id % 23}")
            .Window(Windows.Tumbling(TimeSpan.FromSeconds(1))).Count().To(Sinks.Collection(results));

        var summary = await new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = batchSize }).RunAsync(p.Build());

        var expected = input.Where(e => !Bad(e)).GroupBy(e => ($"k{e.Id % 23}", e.Time.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => (long)g.Count());
        results.ToDictionary(r => (r.Key, r.Window.Start.ToUnixTimeSeconds()), r => r.Value).Should().BeEquivalentTo(expected);
        summary.ElementsSkipped.Should().Be(input.Count(Bad));
    }
}
