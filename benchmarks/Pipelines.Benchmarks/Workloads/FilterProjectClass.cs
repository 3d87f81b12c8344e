using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of FClass: the projected event (customer id and value).</summary>
public readonly record struct FClassOut(string Customer, long Value) : IResult<FClassOut>
{
    /// <summary>
    /// Cheap and deterministic: the length and the last four characters (they tell the customer ids apart) with the
    /// value. Only the timed runs' checksum uses it; validation compares every result in full.
    /// </summary>
    public ulong Hash()
    {
        var chars = Customer.AsSpan();
        ulong tail = chars.Length >= 4 ? MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(chars[^4..])) : Hashing.Of(Customer);
        return Hashing.Combine(tail ^ (ulong)chars.Length, (ulong)Value);
    }

    public int CompareTo(FClassOut other)
    {
        int c = string.CompareOrdinal(Customer, other.Customer);
        return c != 0 ? c : Value.CompareTo(other.Value);
    }
}

/// <summary>
/// FClass: F over class events with a string field — keep events with an even value and project them to
/// (Customer, Value). The same 10M events as F, each a <see cref="CustomerEvent"/> object.
/// </summary>
public sealed class FilterProjectClass : Workload<CustomerEvent, FClassOut>
{
    public FilterProjectClass()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            foreach (var e in input)
            {
                if (e.Value % 2 == 0) output.Add(new FClassOut(e.Customer, e.Value));
            }
        });

        AddStatelessPeers(static e => e.Value % 2 == 0, static e => new FClassOut(e.Customer, e.Value));

        AddPipelines(static (p, input, output) =>
            p.From(input)
                .Where(e => e.Value % 2 == 0)
                .Select(e => new FClassOut(e.Customer, e.Value))
                .To(new CollectorSink<FClassOut>(output)));
    }

    public override string Name => "FClass";

    public override string Description => "F over class events with a string field: filter (Value % 2 == 0) and project to (Customer, Value); 10M events, 1,000 customer ids";

    protected override CustomerEvent[] Generate(int events) => CustomerEvent.Generate(events);
}
