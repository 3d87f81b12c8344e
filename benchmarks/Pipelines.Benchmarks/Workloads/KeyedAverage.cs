using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of the keyed average: the mean value of one key in one 1-second window.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public readonly record struct KeyedMean<TKey>(TKey Key, long WindowStartTicks, double Mean) : IResult<KeyedMean<TKey>>
    where TKey : IComparable<TKey>
{
    public ulong Hash() => Hashing.Combine(SyntheticKeys.StableHash(Key), (ulong)WindowStartTicks, (ulong)BitConverter.DoubleToInt64Bits(Mean));

    public int CompareTo(KeyedMean<TKey> other)
    {
        int c = WindowStartTicks.CompareTo(other.WindowStartTicks);
        if (c != 0) return c;
        c = Key.CompareTo(other.Key);
        return c != 0 ? c : Mean.CompareTo(other.Mean);
    }

    public override string ToString() => $"key {Key} @ {new DateTimeOffset(WindowStartTicks, TimeSpan.Zero):O}: {Mean}";
}

/// <summary>
/// Average per key over 1-second tumbling event-time windows of the keyed T input: an aggregate with a struct
/// accumulator (sum and count) instead of T's count, so it measures the general aggregation path of the window
/// operators rather than the counting shortcut. Hand loop and Pipelines only (the peers would repeat T's shapes).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public abstract class KeyedAverage<TKey> : Workload<KeyedEvent<TKey>, KeyedMean<TKey>>
    where TKey : IComparable<TKey>
{
    protected KeyedAverage()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            long size = TumblingCounter.Size;
            var sums = new Dictionary<TKey, (double Sum, long Count)>(SyntheticData.Keys);
            long start = long.MinValue, end = long.MinValue;
            foreach (ref readonly var e in input.AsSpan())
            {
                long t = e.Timestamp.UtcTicks;
                if (t >= end)
                {
                    foreach (var (key, acc) in sums) output.Add(new KeyedMean<TKey>(key, start, acc.Sum / acc.Count));
                    sums.Clear();
                    start = t - (t % size);
                    end = start + size;
                }

                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, e.Key, out _);
                slot = (slot.Sum + e.Value, slot.Count + 1);
            }

            foreach (var (key, acc) in sums) output.Add(new KeyedMean<TKey>(key, start, acc.Sum / acc.Count));
        });

        AddPipelines(static (p, input, output) =>
            p.From(input)
                .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
                .KeyBy(e => e.Key)
                .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
                .Average(e => e.Value)
                .To(new MappingCollectorSink<WindowResult<TKey, double>, KeyedMean<TKey>>(output, r => new KeyedMean<TKey>(r.Key, r.Window.Start.UtcTicks, r.Value))));
    }

    /// <summary>The key of synthetic key <c>k</c>.</summary>
    /// <param name="key">0 … 999.</param>
    protected abstract TKey Map(int key);

    protected override KeyedEvent<TKey>[] Generate(int events) => SyntheticKeys.Generate(events, Map);
}

/// <summary>The keyed average with sparse <see cref="long"/> keys.</summary>
public sealed class AverageLong : KeyedAverage<long>
{
    public override string Name => "AvgLong";

    public override string Description => "average per key over 1 s tumbling windows, sparse long keys (T's input)";

    protected override long Map(int key) => SyntheticKeys.Long(key);
}

/// <summary>The keyed average with <see cref="string"/> keys.</summary>
public sealed class AverageString : KeyedAverage<string>
{
    public override string Name => "AvgString";

    public override string Description => "average per key over 1 s tumbling windows, string keys (T's input)";

    protected override string Map(int key) => SyntheticKeys.String(key);
}
