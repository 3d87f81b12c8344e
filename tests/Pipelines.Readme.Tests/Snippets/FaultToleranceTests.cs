namespace Pipelines.Readme.Tests.Snippets;

/// <summary>An order of the fault-tolerance example.</summary>
public sealed record RegionalOrder(string Region, DateTimeOffset Time, decimal Total);

/// <summary>Where an <see cref="OrderFeed"/> resumes.</summary>
public sealed record OrderPosition(int Next);

/// <summary>A feed of orders with a position, that hands out no more than <see cref="Available"/> of them and then waits.</summary>
public sealed class OrderFeed(IReadOnlyList<RegionalOrder> orders) : Source<RegionalOrder, OrderPosition>
{
    private int _next;

    public override string Name => "orders";

    public override bool IsBounded => false;

    public int Available { get; set; } = int.MaxValue;

    public int Read => Volatile.Read(ref _next);

    public int ResumedAt { get; private set; } = -1;

    public override ValueTask<SourceReader<RegionalOrder, OrderPosition>> OpenAsync(SourceContext context, OrderPosition? position, CancellationToken cancellationToken)
    {
        ResumedAt = position?.Next ?? 0;
        _next = ResumedAt;
        return new(new Reader(this));
    }

    private sealed class Reader(OrderFeed feed) : SourceReader<RegionalOrder, OrderPosition>
    {
        public override int TryRead(Span<RegionalOrder> destination)
        {
            int n = 0;
            while (n < destination.Length && feed._next < Math.Min(feed.Orders.Count, feed.Available)) destination[n++] = feed.Orders[feed._next++];
            return n;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(10, cancellationToken);
            return true;
        }

        public override OrderPosition CapturePosition() => new(feed.Read);

        public override ValueTask CommitAsync(OrderPosition position, CancellationToken cancellationToken) => default;
    }

    private IReadOnlyList<RegionalOrder> Orders => orders;
}

/// <summary>The README's savepoint example: stop with a savepoint, then start a changed version from it.</summary>
public sealed class FaultToleranceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipelines-readme-" + Guid.NewGuid().ToString("N"));
    private readonly string _previous = Environment.CurrentDirectory;

    public FaultToleranceTests()
    {
        Directory.CreateDirectory(_root);
        Environment.CurrentDirectory = _root;
    }

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task AWindowStoppedWithASavepoint_GoesOnInTheNextVersion()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        var all = new[]
        {
            new RegionalOrder("eu", t0, 10m), new RegionalOrder("us", t0.AddSeconds(5), 7m), new RegionalOrder("eu", t0.AddSeconds(20), 5m),
            new RegionalOrder("eu", t0.AddSeconds(40), 1m), new RegionalOrder("eu", t0.AddMinutes(3), 2m),
        };
        var orders = new OrderFeed(all) { Available = 3 };
        var results = new List<WindowResult<string, decimal>>();
        var totals = Sinks.Action<WindowResult<string, decimal>>(r => { lock (results) results.Add(r); });
        using var console = new ConsoleCapture();

        #region README: fault-tolerance
        var options = new StreamingOptions { CheckpointStorage = CheckpointStorage.Directory("state/orders") };
        var p = new PipelineBuilder("orders");
        p.From(orders).Uid("orders-in")
         .WithEventTime(o => o.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
         .KeyBy(o => o.Region).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Sum(o => o.Total).Uid("orders-per-region")
         .To(totals);
        var run = new StreamingExecutor(options).Start(p.Build());
        #endregion

        while (orders.Read < 3 && !run.Completion.IsCompleted) await Task.Delay(5);

        #region README: fault-tolerance
        // … to upgrade: stop with a savepoint, deploy the new version, start it with the same options
        Savepoint savepoint = await run.StopWithSavepointAsync();
        Console.WriteLine($"savepoint {savepoint.CheckpointId}, {savepoint.Summary.ElementsRead} orders read");
        // prints:
        //   savepoint 1, 3 orders read
        #endregion

        console.Lines.Should().Equal(Readme.ExpectedOutput(Readme.BlockOf("fault-tolerance")));
        results.Should().BeEmpty("no window had ended when the savepoint was taken; they are in it");

        // The next version: a filter added before the window; the uids find the source's position and the window's sums.
        var next = new PipelineBuilder("orders");
        next.From(orders).Uid("orders-in")
            .WithEventTime(o => o.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(5)))
            .Where(o => o.Total > 0)
            .KeyBy(o => o.Region).Window(Windows.Tumbling(TimeSpan.FromMinutes(1))).Sum(o => o.Total).Uid("orders-per-region")
            .To(totals);
        orders.Available = int.MaxValue;
        var upgraded = new StreamingExecutor(options).Start(next.Build());
        while (orders.Read < all.Length && !upgraded.Completion.IsCompleted) await Task.Delay(5);
        await upgraded.StopAsync();

        orders.ResumedAt.Should().Be(3);
        lock (results)
        {
            results.Select(r => (r.Key, r.Window.Start, r.Value)).Should().BeEquivalentTo(
                [("eu", t0, 16m), ("us", t0, 7m), ("eu", t0.AddMinutes(3), 2m)],
                "the eu window of 9:00 sums the orders from before and after the upgrade");
        }
    }
}
