using System.Collections.Concurrent;

namespace Pipelines.Kafka;

/// <summary>
/// The <c>InitTransactions</c> calls a cancelled start gave up on, by transactional id, until they return. Such a call
/// goes on asking the brokers for the id's coordinator up to the transaction timeout; a new producer of the same id
/// initialising meanwhile (the run started again in this process) could be fenced by it when the brokers answer the
/// old request last. A new initialisation of the id waits for the old call first.
/// </summary>
internal static class AbandonedInits
{
    private static readonly ConcurrentDictionary<string, Task> Pending = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="call"/>, given up, for <paramref name="transactionalId"/>; its outcome is observed and dropped.</summary>
    public static void Add(string transactionalId, Task call)
    {
        Task? settled = null;
        settled = call.ContinueWith(
            done =>
            {
                _ = done.Exception;
                Pending.TryRemove(new KeyValuePair<string, Task>(transactionalId, settled!));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Pending[transactionalId] = settled;
        if (settled.IsCompleted) Pending.TryRemove(new KeyValuePair<string, Task>(transactionalId, settled));
    }

    /// <summary>Waits until no given-up call for <paramref name="transactionalId"/> is still running.</summary>
    public static Task WaitAsync(string transactionalId, CancellationToken cancellationToken) =>
        Pending.TryGetValue(transactionalId, out var pending) ? pending.WaitAsync(cancellationToken) : Task.CompletedTask;
}
