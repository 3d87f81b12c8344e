namespace Pipelines.Tests.Connectors;

/// <summary>
/// Origins (<see cref="ElementOrigin"/>) travel from a source that provides them to a sink that receives them
/// (an exchange's) through <c>Where</c>, <c>Select</c>, <c>SelectMany</c> and <c>WithEventTime</c>, fused or not, on
/// both executors; nobody asks for them when no such sink is downstream, and an operator that does not carry them
/// ends the path.
/// </summary>
public class OriginTrackingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Element i is read from partition i % 3 at offset i / 3.</summary>
    private static ElementOrigin OriginOf(int i) => new(i % 3, i / 3);

    private sealed class NumberSource(int count) : Source<int>
    {
        public int OriginReads;
        public int PlainReads;
        public bool? Asked;

        public int Count => count;

        public override string Name => "numbers";

        public override bool IsBounded => true;

        public override ValueTask<SourceReader<int>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
        {
            Asked = context.TracksOrigins;
            return new(new Reader(this));
        }

        private sealed class Reader(NumberSource source) : SourceReader<int>
        {
            private int _next;

            public override bool ProvidesOrigins => true;

            public override int TryRead(Span<int> destination)
            {
                Interlocked.Increment(ref source.PlainReads);
                return Fill(destination, []);
            }

            public override int TryRead(Span<int> destination, Span<long> timestamps, Span<ElementOrigin> origins)
            {
                Interlocked.Increment(ref source.OriginReads);
                return Fill(destination, origins);
            }

            // Small reads, so batches of several reads and partial buffers both occur.
            private int Fill(Span<int> destination, Span<ElementOrigin> origins)
            {
                int n = 0;
                while (n < Math.Min(destination.Length, 7) && _next < source.Count)
                {
                    if (!origins.IsEmpty) origins[n] = OriginOf(_next);
                    destination[n++] = _next++;
                }

                return n;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => new(_next < source.Count);
        }
    }

    private sealed class OriginSink<T>(bool receives) : Sink<T>
    {
        public List<(T Value, ElementOrigin? Origin)> Written { get; } = [];

        public override string Name => "origins";

        public override bool ReceivesOrigins => receives;

        public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private sealed class Writer(OriginSink<T> sink) : EventTimeSinkWriter<T>
        {
            public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
            {
                foreach (var item in items) sink.Written.Add((item, null));
            }

            public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, ReadOnlySpan<ElementOrigin> origins)
            {
                for (int i = 0; i < items.Length; i++) sink.Written.Add((items[i], origins[i]));
            }

            public override void OnWatermark(DateTimeOffset watermark)
            {
            }
        }
    }

    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (string executor in new[] { "bounded", "streaming" })
        {
            foreach (string shape in new[] { "where", "select", "where-select", "fused-run", "select-many", "event-time", "all", "nested", "where-select-in", "fused-run-in" })
            {
                data.Add(executor, shape);
            }
        }

        return data;
    }

    /// <summary>What each shape emits for element i, in order, with each result's place among element i's results (<see cref="ElementOrigin.Index"/>).</summary>
    private static IEnumerable<(long Value, long Index)> Expected(string shape, int i) => shape switch
    {
        "where" => i % 2 == 0 ? [(i, 1)] : [], // the SelectMany before the Where makes each element its first item
        "select" => [(i * 10L, 0)],
        "where-select" or "where-select-in" => i % 3 != 1 ? [(i * 10L, 0)] : [],
        "fused-run" or "fused-run-in" => i % 2 == 1 ? [((i + 1) * 2L, 0)] : [],
        "select-many" => Enumerable.Range(0, i % 3).Select(k => ((long)i, (long)k + 1)),
        "event-time" => [(i, 0)],
        "all" => i % 4 == 0 ? [] : Enumerable.Range(0, 2).Select(k => ((i * 10L) + k, (long)k + 1)).Where(v => v.Item1 % 3 != 0),
        "nested" => Enumerable.Range(0, i % 3).SelectMany(k => Enumerable.Range(0, 2).Select(j => ((long)((i * 100) + (k * 10) + j), ((k + 1) * ElementOrigin.ItemsPerLevel) + j + 1))),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    private static DataStream<long> Shape(DataStream<int> input, string shape) => shape switch
    {
        "where" => input.SelectMany(i => new[] { (long)i }).Where(v => v % 2 == 0),
        "select" => input.Select(i => i * 10L),
        "where-select" => input.Where(i => i % 3 != 1).Select(i => i * 10L),
        "fused-run" => input.Select(i => i + 1).Where(i => i % 2 == 0).Select(i => i * 2L),
        "where-select-in" => input.Where((in i) => i % 3 != 1).Select((in i) => i * 10L),
        "fused-run-in" => input.Select((in i) => i + 1).Where((in i) => i % 2 == 0).Select((in i) => i * 2L),
        "select-many" => input.SelectMany(i => Enumerable.Repeat((long)i, i % 3)),
        "event-time" => input.WithEventTime(i => T0.AddSeconds(i), Watermarks.Monotonic()).Select(i => (long)i),
        "all" => input.Where(i => i % 4 != 0).WithEventTime(i => T0.AddSeconds(i), Watermarks.Monotonic())
            .SelectMany(i => new[] { i * 10L, (i * 10L) + 1 }).Where(v => v % 3 != 0),
        "nested" => input.SelectMany(i => Enumerable.Range(0, i % 3).Select(k => (i * 100) + (k * 10))).SelectMany(v => new[] { (long)v, v + 1L }),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    private static Task RunAsync(string executor, Pipeline pipeline) => executor == "bounded"
        ? new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(pipeline)
        : new StreamingExecutor(new StreamingOptions { MaxBatchSize = 16 }).Start(pipeline).Completion;

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task EachElementReachesTheExchangeWithTheOriginOfTheRecordItCameFrom(string executor, string shape)
    {
        const int count = 500;
        var source = new NumberSource(count);
        var sink = new OriginSink<long>(receives: true);
        var p = new PipelineBuilder();
        Shape(p.From(source), shape).To(sink);

        await RunAsync(executor, p.Build());

        source.Asked.Should().BeTrue();
        source.PlainReads.Should().Be(0, "a reader that provides origins is read through the origin overload only");
        var expected = Enumerable.Range(0, count).SelectMany(i => Expected(shape, i).Select(v => (v.Value, (ElementOrigin?)(OriginOf(i) with { Index = v.Index })))).ToList();
        sink.Written.Should().Equal(expected);
    }

    [Theory]
    [InlineData("bounded")]
    [InlineData("streaming")]
    public async Task AFailingElementSkippedOnTheWay_LeavesTheOthersWithTheirOwnOrigins(string executor)
    {
        var source = new NumberSource(100);
        var sink = new OriginSink<int>(receives: true);
        var p = new PipelineBuilder();
        p.From(source).Select(i => i % 10 == 5 ? throw new InvalidOperationException("bad") : i).OnError(ErrorPolicy.Skip).Where(i => i != 7).To(sink);

        await RunAsync(executor, p.Build());

        sink.Written.Should().Equal(Enumerable.Range(0, 100).Where(i => i % 10 != 5 && i != 7).Select(i => (i, (ElementOrigin?)OriginOf(i))));
    }

    [Fact]
    public async Task NoOriginsAreAskedFor_WhenNoSinkDownstreamReceivesThem()
    {
        var source = new NumberSource(50);
        var sink = new OriginSink<int>(receives: false);
        var p = new PipelineBuilder();
        p.From(source).Where(i => i > 0).To(sink);

        await new BoundedExecutor().RunAsync(p.Build());

        source.Asked.Should().BeFalse();
        source.OriginReads.Should().Be(0);
        sink.Written.Should().HaveCount(49).And.OnlyContain(w => w.Origin == null);
    }

    /// <summary>
    /// The source tracks origins for one exchange; a union also reaches another: that one gets none, since a union of
    /// a stream with itself would give two elements the same origin.
    /// </summary>
    [Fact]
    public async Task AnExchangeBehindAUnion_GetsNoOrigins_EvenWhenTheSourceTracksThemForAnother()
    {
        var source = new NumberSource(30);
        var direct = new OriginSink<int>(receives: true);
        var merged = new OriginSink<int>(receives: true);
        var p = new PipelineBuilder();
        var numbers = p.From(source);
        numbers.Select(i => i).To(direct);
        numbers.Union(numbers.Select(i => -i)).To(merged);

        await new BoundedExecutor().RunAsync(p.Build());

        source.Asked.Should().BeTrue();
        direct.Written.Should().Equal(Enumerable.Range(0, 30).Select(i => (i, (ElementOrigin?)OriginOf(i))));
        merged.Written.Should().HaveCount(60).And.OnlyContain(w => w.Origin == null);
    }

    [Fact]
    public void AnItemOfANestedSelectMany_BeyondWhatItsPlaceCanTell_HasNoOrigin()
    {
        var origin = new ElementOrigin(2, 40);
        origin.Item(5).Should().Be(origin with { Index = 6 });
        origin.Item(ElementOrigin.ItemsPerLevel + 3).Index.Should().Be(ElementOrigin.ItemsPerLevel + 4, "the first SelectMany numbers items without limit");
        origin.Item(0).Item(0).Index.Should().Be(ElementOrigin.ItemsPerLevel + 1);
        origin.Item(7).Item(ElementOrigin.ItemsPerLevel - 2).Index.Should().Be((8 * ElementOrigin.ItemsPerLevel) + ElementOrigin.ItemsPerLevel - 1, "the last place of the level");
        origin.Item(7).Item(ElementOrigin.ItemsPerLevel - 1).Should().Be(ElementOrigin.None, "a nested item beyond the level's range would share a place with the next parent's");
        ElementOrigin.None.Item(0).IsKnown.Should().BeFalse();
    }

    [Fact]
    public async Task AnOperatorThatDoesNotCarryOrigins_EndsThePath_SoTheExchangeGetsNone()
    {
        var source = new NumberSource(50);
        var sink = new OriginSink<int>(receives: true);
        var p = new PipelineBuilder();
        p.From(source).Buffer(10).Select(b => b.Count).To(sink);

        await new BoundedExecutor().RunAsync(p.Build());

        source.Asked.Should().BeFalse("a buffer makes one element of many records");
        sink.Written.Should().HaveCount(5).And.OnlyContain(w => w.Origin == null);
    }

    /// <summary>
    /// Two sources whose partitions have the same numbers meet in a union before the exchange (the two sides of a
    /// co-partitioned join): each element keeps its offset and place, and each source's partitions are numbered apart
    /// from the other's, the same way in every build of the pipeline (every instance).
    /// </summary>
    [Theory]
    [InlineData("bounded")]
    [InlineData("streaming")]
    public async Task TwoSourcesMeetingInAUnion_ReachTheExchangeWithOrigins_NumberedApart(string executor)
    {
        async Task<List<(long Value, ElementOrigin? Origin)>> Run()
        {
            var left = new NumberSource(60);
            var right = new NumberSource(40);
            var sink = new OriginSink<long>(receives: true);
            var p = new PipelineBuilder();
            p.From(left).Select(i => (long)i).Union(p.From(right).Where(i => i % 2 == 0).Select(i => 1000L + i)).To(sink);
            await RunAsync(executor, p.Build());
            left.Asked.Should().BeTrue();
            right.Asked.Should().BeTrue();
            return sink.Written;
        }

        var written = await Run();

        written.Should().HaveCount(80).And.OnlyContain(w => w.Origin != null && w.Origin.Value.IsKnown);
        var fromLeft = written.Where(w => w.Value < 1000).ToList();
        var fromRight = written.Where(w => w.Value >= 1000).ToList();
        fromLeft.Select(w => (w.Value, w.Origin!.Value.Offset, w.Origin.Value.Index)).Should().Equal(Enumerable.Range(0, 60).Select(i => ((long)i, OriginOf(i).Offset, 0L)));
        fromRight.Select(w => (w.Value, w.Origin!.Value.Offset)).Should().Equal(Enumerable.Range(0, 40).Where(i => i % 2 == 0).Select(i => (1000L + i, OriginOf(i).Offset)));
        var leftPartitions = fromLeft.GroupBy(w => w.Value % 3).Select(g => g.Select(w => w.Origin!.Value.Partition).Distinct().Single()).ToList();
        var rightPartitions = fromRight.GroupBy(w => (w.Value - 1000) % 3).Select(g => g.Select(w => w.Origin!.Value.Partition).Distinct().Single()).ToList();
        leftPartitions.Concat(rightPartitions).Should().OnlyHaveUniqueItems("partition 0 of one source is not partition 0 of the other").And.HaveCount(6);

        var again = await Run();
        again.Where(w => w.Value < 1000).Select(w => w.Origin).Should().Equal(fromLeft.Select(w => w.Origin), "every instance numbers them the same way");
    }

    /// <summary>A source that reaches one exchange directly and another through a union numbers its partitions one way for both.</summary>
    [Fact]
    public async Task ASourceReachingOneExchangeDirectly_AndAnotherThroughAUnion_NumbersItsPartitionsOneWay()
    {
        var source = new NumberSource(30);
        var other = new NumberSource(10);
        var direct = new OriginSink<int>(receives: true);
        var merged = new OriginSink<int>(receives: true);
        var p = new PipelineBuilder();
        var numbers = p.From(source);
        numbers.Where(i => i >= 0).To(direct);
        p.From(other).Select(i => 1000 + i).Union(numbers).To(merged);

        await new BoundedExecutor().RunAsync(p.Build());

        direct.Written.Select(w => w.Origin!.Value.Offset).Should().Equal(Enumerable.Range(0, 30).Select(i => OriginOf(i).Offset));
        merged.Written.Should().HaveCount(40).And.OnlyContain(w => w.Origin != null && w.Origin.Value.IsKnown);
        merged.Written.Where(w => w.Value < 1000).Select(w => w.Origin).Should().Equal(direct.Written.Select(w => w.Origin));
        merged.Written.Select(w => w.Origin!.Value.Partition).Distinct().Should().HaveCount(6);
    }
}
