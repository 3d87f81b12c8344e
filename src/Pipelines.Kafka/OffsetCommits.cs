using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Runs the consumer's commits so that none can hold its caller for longer than the caller can afford.
/// librdkafka's synchronous commit waits for the coordinator's answer, and while the group rebalances that answer
/// queues behind the JoinGroup on the coordinator connection: up to a whole rebalance (the mock cluster's and a
/// broker's rebalance timeout, up to minutes). So each commit runs on a pool thread; its caller waits as long as it
/// can (or not at all) and the commit may still land later. The consumer must not be closed while one is running
/// (librdkafka counts it as an assignment change in progress), so the commits in flight are tracked.
/// </summary>
internal sealed class OffsetCommits
{
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _inFlight = [];

    /// <summary>True while a commit started here has not answered.</summary>
    public bool Busy
    {
        get
        {
            lock (_gate) return _inFlight.Count > 0;
        }
    }

    /// <summary>Starts committing <paramref name="offsets"/>; the task faults with the commit's <see cref="KafkaException"/>.</summary>
    public Task Start<TKey, TValue>(IConsumer<TKey, TValue> consumer, List<TopicPartitionOffset> offsets)
    {
        var commit = Task.Run(() => consumer.Commit(offsets));
        lock (_gate) _inFlight.Add(commit);
        _ = commit.ContinueWith(
            t =>
            {
                _ = t.Exception;
                lock (_gate) _inFlight.Remove(t);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return commit;
    }
}
