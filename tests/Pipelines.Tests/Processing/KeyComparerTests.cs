using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

/// <summary>
/// <c>KeyBy(keySelector, comparer)</c>: keys the comparer calls equal share one state on both executors, and under
/// the streaming executor one worker — the edge routes them by the comparer's hash code, as the workers' key tables
/// hash them.
/// </summary>
public sealed class KeyComparerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-comparer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>40 customers, each written in four casings, every casing of a customer in every 10-second window.</summary>
    private static Ev[] MixedCase()
    {
        var events = new List<Ev>();
        for (int second = 0; second < 40; second++)
        {
            for (int customer = 0; customer < 40; customer++)
            {
                string name = $"Customer-{customer:D2}";
                string written = ((second + customer) % 4) switch
                {
                    0 => name,
                    1 => name.ToUpperInvariant(),
                    2 => name.ToLowerInvariant(),
                    _ => "cUSTOMER-" + name[9..],
                };
                events.Add(Ev.At(written, second + (customer / 100.0), 1));
            }
        }

        return [.. events];
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AWindow_CountsEveryCasingOfAKeyAsOneKey(string executor)
    {
        var events = MixedCase();
        var results = await BothExecutors.CollectAsync(executor, 7, p =>
            p.Events(events).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count());

        var expected = events
            .GroupBy(e => (Key: e.Key.ToUpperInvariant(), Window: (long)(e.Time - Ev.T0).TotalSeconds / 10))
            .Select(g => (g.Key.Key, g.Key.Window, Count: (long)g.Count()));
        results.Select(r => (Key: r.Key.ToUpperInvariant(), Window: (long)(r.Window.Start - Ev.T0).TotalSeconds / 10, Count: r.Value))
            .Should().BeEquivalentTo(expected, "each customer has one count per window, whatever the casing of its events");
        results.Should().HaveCount(40 * 4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task AWindow_GivesTheBoundedResults_UnderAnyNumberOfStreamingWorkers(int parallelism)
    {
        var events = MixedCase();
        var bounded = await Run(p => new BoundedExecutor().RunAsync(p), events);
        var streaming = await Run(p => new StreamingExecutor(new StreamingOptions { Parallelism = parallelism, MaxBatchSize = 16 }).RunAsync(p), events);

        streaming.Select(Normalize).Should().BeEquivalentTo(bounded.Select(Normalize));
        bounded.Should().HaveCount(40 * 4);

        static async Task<List<WindowResult<string, long>>> Run(Func<Pipeline, Task> run, Ev[] events)
        {
            var results = new List<WindowResult<string, long>>();
            var p = new PipelineBuilder();
            p.Events(events).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count().To(Sinks.Collection(results));
            await run(p.Build());
            return results;
        }

        static (string, DateTimeOffset, long) Normalize(WindowResult<string, long> r) => (r.Key.ToUpperInvariant(), r.Window.Start, r.Value);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task Scan_RunsOneAggregatePerKey_AsTheComparerSeesKeys(string executor)
    {
        Ev[] events = [Ev.At("Apple", 0, 1), Ev.At("apple", 1, 2), Ev.At("pear", 2, 10), Ev.At("APPLE", 3, 3), Ev.At("PEAR", 4, 20)];
        var results = await BothExecutors.CollectAsync(executor, 2, p =>
            p.Events(events).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Scan((Key: "", Sum: 0), (acc, e) => (e.Key.ToLowerInvariant(), acc.Sum + e.Value)));

        results.Where(r => r.Key == "apple").Select(r => r.Sum).Should().Equal(1, 3, 6);
        results.Where(r => r.Key == "pear").Select(r => r.Sum).Should().Equal(10, 30);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AValueTypeKey_WithAComparer_GroupsAsTheComparerSays(string executor)
    {
        // Account numbers compared by their last three digits (a branch's accounts): the int keys skip the
        // array the key table indexes small ints by, which does not know the comparer.
        int[] accounts = [1001, 2001, 3001, 1002, 2002, 5, 1005];
        var results = await BothExecutors.CollectAsync(executor, 3, p =>
            p.Events(accounts.Select((a, i) => Ev.At(a.ToString(System.Globalization.CultureInfo.InvariantCulture), i, a)).ToArray())
                .KeyBy(e => e.Value, new LastDigits())
                .Window(Windows.Tumbling(TimeSpan.FromMinutes(1)))
                .Count());

        results.Select(r => (r.Key % 1000, r.Value)).Should().BeEquivalentTo([(1, 3L), (2, 2L), (5, 2L)]);
    }

    [Theory]
    [MemberData(nameof(BothExecutors.Names), MemberType = typeof(BothExecutors))]
    public async Task AJoin_MatchesKeysTheComparerCallsEqual(string executor)
    {
        var results = await BothExecutors.CollectAsync(executor, 2, p =>
        {
            var orders = p.Events("orders", [Ev.At("Alice", 1, 10), Ev.At("BOB", 2, 20), Ev.At("carol", 3, 30)]).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase);
            var payments = p.Events("payments", [Ev.At("alice", 4, 1), Ev.At("Bob", 5, 2), Ev.At("dave", 6, 4)]).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase);
            return orders.Join(payments, Windows.Tumbling(TimeSpan.FromMinutes(1)), (o, pay) => (Order: o.Key, Payment: pay.Key));
        });

        results.Should().BeEquivalentTo([("Alice", "alice"), ("BOB", "Bob")]);
    }

    [Fact]
    public void AJoin_OfSidesComparingKeysDifferently_IsRefused()
    {
        var p = new PipelineBuilder();
        var orders = p.Events("orders", [Ev.At("Alice", 1)]).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase);
        var payments = p.Events("payments", [Ev.At("alice", 2)]).KeyBy(e => e.Key);

        var act = () => orders.Join(payments, Windows.Tumbling(TimeSpan.FromMinutes(1)), (o, pay) => o.Value + pay.Value);

        act.Should().Throw<ArgumentException>().WithParameterName("other").WithMessage("*compare keys differently*give both KeyBy calls the same comparer*");
        var same = () => orders.IntervalJoin(p.Events("refunds", [Ev.At("ALICE", 3)]).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase), TimeSpan.Zero, TimeSpan.FromSeconds(5), (o, r) => o.Value);
        same.Should().NotThrow();
    }

    [Fact]
    public async Task ARunStoringCheckpoints_RefusesAStageKeyedWithAComparer_SayingWhatToDo()
    {
        var p = new PipelineBuilder("comparer-checkpoints");
        p.Events(MixedCase()).KeyBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count().To(Sinks.Collection(new List<WindowResult<string, long>>()));
        var options = new StreamingOptions { Parallelism = 2, CheckpointStorage = CheckpointStorage.Directory(_directory) };

        var act = () => new StreamingExecutor(options).RunAsync(p.Build());

        (await act.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*'Window*compares keys with OrdinalIgnoreCaseComparer (KeyBy with a comparer)*Normalize the key in the key selector*");
    }

    [Fact]
    public async Task TheDefaultComparer_IsTheKeyTypesOwnEquality_AndStoresCheckpoints()
    {
        var results = new List<WindowResult<string, long>>();
        var p = new PipelineBuilder("default-comparer-checkpoints");
        p.Events(MixedCase()).KeyBy(e => e.Key, EqualityComparer<string>.Default).Window(Windows.Tumbling(TimeSpan.FromSeconds(10))).Count().To(Sinks.Collection(results));

        await new StreamingExecutor(new StreamingOptions { Parallelism = 2, CheckpointStorage = CheckpointStorage.Directory(_directory) }).RunAsync(p.Build());

        results.Should().HaveCount(40 * 4 * 4, "each casing is a key of its own");
    }

    private sealed class LastDigits : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x % 1000 == y % 1000;

        public int GetHashCode(int obj) => obj % 1000;
    }
}
