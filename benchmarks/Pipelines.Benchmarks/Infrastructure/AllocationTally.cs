using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// What the process allocates, by type, from the runtime's allocation-tick events (one about every 100 KB
/// allocated, naming the type of the object that crossed it): the --repeat mode's --alloc-types. Sampled, so
/// types that allocate little may not show; large arrays always do.
/// </summary>
internal sealed class AllocationTally : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not "GCAllocationTick_V4" || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names) return;
        string type = payload[names.IndexOf("TypeName")] as string ?? "?";
        long amount = Convert.ToInt64(payload[names.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    /// <summary>Prints the types that allocated most since the last call, and starts again.</summary>
    public void Print()
    {
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(12))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    allocated {bytes / 1e6,8:F1} MB  {type}"));
        }

        _bytes.Clear();
    }
}
