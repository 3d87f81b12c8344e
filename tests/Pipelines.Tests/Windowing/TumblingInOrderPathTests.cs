namespace Pipelines.Tests.Windowing;

/// <summary>
/// The in-order path of tumbling windows (the element's window is its key's newest) and the general path it hands
/// new windows, new keys and failures to: each element's key is computed once, and failures skip only their element.
/// </summary>
public class TumblingInOrderPathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Keys as ints (the dense lookup), large and negative ints (the hash table) and strings.</summary>
    private static readonly (int Key, DateTimeOffset Time)[] Input =
        [.. Enumerable.Range(0, 5_000).Select(i => (Key: (i * 37 % 11) switch { 0 => -5, 1 => 2_000_000, var k => k }, Time: T0.AddMilliseconds(i * 3)))];

    public static TheoryData<bool, int> Runs() => new() { { false, 1024 }, { false, 13 }, { true, 1024 }, { true, 13 } };

    private static async Task<List<WindowResult<TKey, long>>> RunAsync<TKey>(bool streaming, int batchSize, Func<(int Key, DateTimeOffset Time), TKey> keyOf, ErrorPolicy policy = ErrorPolicy.Fail, Func<(int Key, DateTimeOffset Time), long>? sumOf = null)
        where TKey : notnull
    {
        var results = new List<WindowResult<TKey, long>>();
        var p = new PipelineBuilder().OnError(policy);
        var windows = p.From(Sources.Enumerable(Input)).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(keyOf).Window(Windows.Tumbling(TimeSpan.FromSeconds(1)));
        (sumOf is null ? windows.Count() : windows.Sum(sumOf)).To(Sinks.Collection(results));
        var pipeline = p.Build();
        if (streaming) await new StreamingExecutor(new StreamingOptions { MaxBatchSize = batchSize, Parallelism = 1 }).RunAsync(pipeline);
        else await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(pipeline);
        return results;
    }

    private static Dictionary<(TKey, long), long> Finals<TKey>(List<WindowResult<TKey, long>> results)
        where TKey : notnull
        => results.GroupBy(r => (r.Key, r.Window.Start.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => g.Last().Value);

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task IntAndStringKeys_CountEveryElement_AndTheKeySelectorRunsOncePerElement(bool streaming, int batchSize)
    {
        int intCalls = 0, stringCalls = 0;
        var ints = await RunAsync(streaming, batchSize, e => { Interlocked.Increment(ref intCalls); return e.Key; });
        var strings = await RunAsync(streaming, batchSize, e => { Interlocked.Increment(ref stringCalls); return $"k{e.Key}"; });

        var expected = Input.GroupBy(e => (e.Key, e.Time.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => (long)g.Count());
        Finals(ints).Should().BeEquivalentTo(expected);
        Finals(strings).Should().BeEquivalentTo(expected.ToDictionary(kv => ($"k{kv.Key.Key}", kv.Key.Item2), kv => kv.Value));
        intCalls.Should().Be(Input.Length);
        stringCalls.Should().Be(Input.Length);
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Skip_FailingKeysAndSums_LeaveOutOnlyTheirElements(bool streaming, int batchSize)
    {
        static bool BadKey((int Key, DateTimeOffset Time) e) => e.Time.Millisecond % 7 == 1;
        static bool BadSum((int Key, DateTimeOffset Time) e) => e.Time.Millisecond % 11 == 2;

        var results = await RunAsync(
            streaming,
            batchSize,
            e => BadKey(e) ? throw new InvalidOperationException("key") : e.Key,
            ErrorPolicy.Skip,
            e => BadSum(e) ? throw new InvalidOperationException("sum") : 1L);

        var expected = Input.Where(e => !BadKey(e) && !BadSum(e)).GroupBy(e => (e.Key, e.Time.ToUnixTimeSeconds())).ToDictionary(g => g.Key, g => (long)g.Count());
        Finals(results).Should().BeEquivalentTo(expected);
    }

    /// <summary>
    /// A known key's first element of a newer window (the in-order loop hands it to the general path, which opens the
    /// window): when that element fails and is skipped, the window it would have opened is not left behind (no result
    /// for it), and the next element of the key in that window opens it again.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Skip_AKnownKeysFirstElementOfANewWindow_LeavesNoWindowBehind(bool streaming, int batchSize)
    {
        // Key 1 in every second; key 2 in seconds 0 and 2; key 3 only in second 0 and then once, failing, in second 1.
        (int Key, DateTimeOffset Time, bool Fails)[] input =
        [
            (1, T0, false), (2, T0.AddMilliseconds(1), false), (3, T0.AddMilliseconds(2), false),
            (1, T0.AddSeconds(1), false), (3, T0.AddSeconds(1).AddMilliseconds(1), true), (1, T0.AddSeconds(1).AddMilliseconds(2), false),
            (2, T0.AddSeconds(2), true), (2, T0.AddSeconds(2).AddMilliseconds(1), false), (1, T0.AddSeconds(2).AddMilliseconds(2), false),
        ];
        var results = new List<WindowResult<int, long>>();
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input)).WithEventTime(e => e.Time, Watermarks.Monotonic()).KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
            .Sum(e => e.Fails ? throw new InvalidOperationException("sum") : 1L)
            .To(Sinks.Collection(results));
        var pipeline = p.Build();
        if (streaming) await new StreamingExecutor(new StreamingOptions { MaxBatchSize = batchSize, Parallelism = 1 }).RunAsync(pipeline);
        else await new BoundedExecutor(new BoundedExecutorOptions { BatchSize = batchSize }).RunAsync(pipeline);

        long Second(WindowResult<int, long> r) => (r.Window.Start - T0).Ticks / TimeSpan.TicksPerSecond;
        results.Select(r => (r.Key, Second(r), r.Value)).Should().BeEquivalentTo(new[]
        {
            (1, 0L, 1L), (2, 0L, 1L), (3, 0L, 1L),
            (1, 1L, 2L),
            (1, 2L, 1L), (2, 2L, 1L),
        });
    }
}
