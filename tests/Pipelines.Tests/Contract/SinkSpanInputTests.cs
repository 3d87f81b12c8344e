using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipelines.Tests.Contract;

/// <summary>
/// A sink right after a source that reads in place (an array, a list), with or without <c>WithEventTime</c> between
/// them, is handed the source's own storage: its writer reads the elements where they are, no copy into a batch.
/// What the writer does not take at once, and a failing element, are handled as for a batch.
/// </summary>
public class SinkSpanInputTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A large struct with references: copying it costs a write barrier per reference.</summary>
    public readonly record struct Wide(long Id, string Name, long A, long B, long C);

    private static Wide[] Input(int count) => [.. Enumerable.Range(0, count).Select(i => new Wide(i, $"n{i}", i, -i, 2 * i))];

    private static Task<RunSummary> RunAsync(PipelineBuilder p, bool streaming) => streaming
        ? new StreamingExecutor(new StreamingOptions { Parallelism = 1, MaxBatchSize = 256 }).RunAsync(p.Build())
        : new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 256 }).RunAsync(p.Build());

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task SourceStorage_ReachesTheWriterInPlace(bool streaming, bool withEventTime)
    {
        var input = Input(5_000);
        var sink = new InPlaceSink(input);
        var p = new PipelineBuilder();
        var stream = p.From(Sources.Enumerable(input));
        if (withEventTime) stream = stream.WithEventTime(w => T0.AddSeconds(w.Id), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)));
        stream.To(sink);

        var summary = await RunAsync(p, streaming);

        sink.Written.Should().Equal(input);
        sink.Copies.Should().Be(0, "every span the writer got lies in the source's array");
        sink.Spans.Should().BeGreaterThan(1);
        summary.ResultsWritten.Should().Be(input.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStreamUsedTwice_EachSinkAndFilterReadsTheSourceInPlace(bool streaming)
    {
        var input = Input(4_000);
        var all = new InPlaceSink(input);
        var also = new InPlaceSink(input);
        var even = new List<long>();
        var p = new PipelineBuilder();
        var stream = p.From(Sources.Enumerable(input)).WithEventTime(w => T0.AddSeconds(w.Id), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)));
        stream.To(all);
        stream.To(also);
        stream.Where(w => w.Id % 2 == 0).Select(w => w.Id).To(Sinks.Collection(even));

        var summary = await RunAsync(p, streaming);

        all.Written.Should().Equal(input);
        also.Written.Should().Equal(input);
        even.Should().Equal(input.Where(w => w.Id % 2 == 0).Select(w => w.Id));
        (all.Copies + also.Copies).Should().Be(0, "both sinks read the source's array");
        summary.ResultsWritten.Should().Be((2 * input.Length) + even.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WhatTheWriterDoesNotTakeAtOnce_IsCopied_AndWrittenLaterInOrder(bool streaming)
    {
        var input = Input(3_000);
        var sink = new InPlaceSink(input, takeHalf: true);
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(input)).WithEventTime(w => T0.AddSeconds(w.Id), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1))).To(sink);

        var summary = await RunAsync(p, streaming);

        sink.Written.Should().Equal(input);
        sink.Later.Should().BeGreaterThan(0, "half of every span went through WriteAsync");
        summary.ResultsWritten.Should().Be(input.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnEventTimeWriter_GetsEachElementWithItsTime(bool streaming)
    {
        var input = Input(2_000);
        var written = new List<(long Id, long UtcTicks)>();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(input)).WithEventTime(w => T0.AddSeconds(w.Id), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1))).To(new TimedSink(written));

        await RunAsync(p, streaming);

        written.Should().Equal(input.Select(w => (w.Id, T0.AddSeconds(w.Id).UtcTicks)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnElementTheWriterRefuses_IsSkippedByThePolicy_AndTheRestWritten(bool streaming)
    {
        var input = Input(1_000);
        var sink = new InPlaceSink(input, refuse: 300);
        var p = new PipelineBuilder().OnError(ErrorPolicy.Skip);
        p.From(Sources.Enumerable(input)).To(sink);

        var summary = await RunAsync(p, streaming);

        sink.Written.Should().Equal(input.Where(w => w.Id != 300));
        summary.ElementsSkipped.Should().Be(1);
        summary.ResultsWritten.Should().Be(input.Length - 1);
    }

    /// <summary>Records what it is given, and whether each span lies in the source's array.</summary>
    private sealed class InPlaceSink(Wide[] source, bool takeHalf = false, long refuse = -1) : Sink<Wide>
    {
        public List<Wide> Written { get; } = [];

        public bool TakeHalf { get; } = takeHalf;

        public long Refuse { get; } = refuse;

        public int Spans { get; private set; }

        public int Copies { get; private set; }

        public int Later { get; private set; }

        public override string Name => "in-place";

        public override ValueTask<SinkWriter<Wide>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

        private bool InSource(ReadOnlySpan<Wide> items)
        {
            ref Wide first = ref MemoryMarshal.GetArrayDataReference(source);
            ref Wide at = ref MemoryMarshal.GetReference(items);
            return !Unsafe.IsAddressLessThan(ref at, ref first) && Unsafe.IsAddressLessThan(ref at, ref Unsafe.Add(ref first, source.Length));
        }

        private sealed class Writer(InPlaceSink sink) : SinkWriter<Wide>
        {
            public override int TryWrite(ReadOnlySpan<Wide> items)
            {
                sink.Spans++;
                if (!sink.InSource(items)) sink.Copies++;
                int n = sink.TakeHalf ? items.Length / 2 : items.Length;
                for (int i = 0; i < n; i++)
                {
                    if (items[i].Id == sink.Refuse) throw new SinkElementException(i, items[i], new InvalidOperationException($"element {items[i].Id} refused"));
                    sink.Written.Add(items[i]);
                }

                return n;
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<Wide> items, CancellationToken cancellationToken)
            {
                await Task.Yield();
                sink.Later++;
                sink.Written.AddRange(items.ToArray());
            }
        }
    }

    private sealed class TimedSink(List<(long Id, long UtcTicks)> written) : Sink<Wide>
    {
        public override string Name => "timed";

        public override ValueTask<SinkWriter<Wide>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(written));

        private sealed class Writer(List<(long Id, long UtcTicks)> written) : EventTimeSinkWriter<Wide>
        {
            public override void Write(ReadOnlySpan<Wide> items, ReadOnlySpan<long> timestamps)
            {
                for (int i = 0; i < items.Length; i++) written.Add((items[i].Id, timestamps[i]));
            }

            public override void OnWatermark(DateTimeOffset watermark)
            {
            }
        }
    }
}
