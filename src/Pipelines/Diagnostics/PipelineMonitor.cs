namespace Pipelines.Diagnostics;

/// <summary>
/// Every pipeline run in this process, for tools that show them (a dashboard, an admin endpoint, a test): runs
/// on either executor, hosted or started by hand, are listed from the moment they start; the last
/// <see cref="EndedRunsKept"/> ended runs stay listed with their final counters.
/// </summary>
/// <example>
/// <code>
/// foreach (var run in PipelineMonitor.Runs)
/// {
///     var now = run.Snapshot();
///     Console.WriteLine($"{run.Pipeline}: {run.State}, {now.Totals.ElementsRead} read");
/// }
/// </code>
/// </example>
public static class PipelineMonitor
{
    /// <summary>How many ended runs stay listed (the oldest goes first).</summary>
    public const int EndedRunsKept = 20;

    private static readonly Lock Gate = new();
    private static readonly List<MonitoredRun> Active = [];
    private static readonly Queue<MonitoredRun> Ended = new();
    private static long _lastId;

    /// <summary>The running runs and the last ended ones, in the order they started.</summary>
    public static IReadOnlyList<MonitoredRun> Runs
    {
        get
        {
            lock (Gate) return [.. Active.Concat(Ended).OrderBy(r => r.Id)];
        }
    }

    /// <summary>The run with <see cref="MonitoredRun.Id"/> <paramref name="id"/>, or null when it is not (or no longer) listed.</summary>
    /// <param name="id">The run's id.</param>
    public static MonitoredRun? Find(long id)
    {
        lock (Gate) return Active.Find(r => r.Id == id) ?? Ended.FirstOrDefault(r => r.Id == id);
    }

    internal static long NextId() => Interlocked.Increment(ref _lastId);

    internal static void Started(MonitoredRun run)
    {
        lock (Gate) Active.Add(run);
    }

    internal static void Stopped(MonitoredRun run)
    {
        lock (Gate)
        {
            if (!Active.Remove(run)) return;
            Ended.Enqueue(run);
            while (Ended.Count > EndedRunsKept) Ended.Dequeue();
        }
    }
}
