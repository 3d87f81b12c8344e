using System.Collections.Concurrent;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The exactly-once sink's pool of transactions, driven directly on librdkafka's mock cluster: the calls the checkpoint
/// task and the run's end make, in the orders a stopping run makes them.
/// </summary>
public sealed class KafkaTransactionsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static KafkaTransactions<string, string> Transactions(KafkaTestCluster cluster, string topic, int pool, ConcurrentQueue<string> log)
    {
        var options = ExactlyOnceSetup.SinkOptions(cluster, topic, new MemoryLogger("sink", log));
        return new KafkaTransactions<string, string>(options, $"kafka:{topic}", options.Logger!, pool, id => new ProducerBuilder<string, string>(ClientConfigs.TransactionalProducer(options, id)).Build());
    }

    private static void Write(KafkaTransactions<string, string> transactions, string topic, string value)
    {
        transactions.Current.Produce(topic, new Message<string, string> { Key = "k", Value = value });
        transactions.Current.Flush(Deadline);
    }

    [Fact]
    public async Task TheCommitOfAStoredCheckpoint_GoesThrough_WithACancelledToken()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        using var counter = new TransactionCounter($"kafka:{topic}");
        var log = new ConcurrentQueue<string>();
        using var transactions = Transactions(cluster, topic, 2, log);
        await transactions.InitAsync(null, CancellationToken.None);
        Write(transactions, topic, "a");
        await transactions.PreCommitAsync(1, null, CancellationToken.None);

        await transactions.CommitAsync(1, new CancellationToken(canceled: true)).WaitAsync(Deadline);

        counter.Committed.Should().Be(1);
    }

    [Fact]
    public async Task TheRunsAbort_WaitsForACommitInProgress_AndAbortsOnlyTheOtherTransactions()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        using var counter = new TransactionCounter($"kafka:{topic}");
        var log = new ConcurrentQueue<string>();
        using var transactions = Transactions(cluster, topic, 2, log);
        await transactions.InitAsync(null, CancellationToken.None);
        Write(transactions, topic, "a");
        await transactions.PreCommitAsync(1, null, CancellationToken.None);
        Write(transactions, topic, "b");

        // The checkpoint task starts committing checkpoint 1; the run's abort comes while that commit runs.
        var commit = transactions.CommitAsync(1, CancellationToken.None);
        var abort = transactions.AbortAllAsync();
        await Task.WhenAll(commit, abort).WaitAsync(Deadline);

        string lines = string.Join(Environment.NewLine, log);
        counter.Committed.Should().Be(1, lines);
        counter.Aborted.Should().Be(1, "only the transaction after checkpoint 1 is aborted: " + lines);
        log.Should().ContainSingle(l => l.Contains("aborted the transaction of the results since the last pre-commit", StringComparison.Ordinal), lines);
        log.Should().NotContain(l => l.Contains("failed", StringComparison.Ordinal), lines);
    }

    [Fact]
    public async Task CheckpointsAbortedUpToTheTolerance_WaitInTheirTransactions_AndTheNextCommitsThemAllInOrder()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        using var counter = new TransactionCounter($"kafka:{topic}");
        var log = new ConcurrentQueue<string>();
        using var transactions = Transactions(cluster, topic, KafkaTransactions<string, string>.PoolSizeFor(2), log);
        await transactions.InitAsync(null, CancellationToken.None);

        for (long checkpoint = 1; checkpoint <= 3; checkpoint++)
        {
            Write(transactions, topic, $"v{checkpoint}");
            await transactions.PreCommitAsync(checkpoint, null, CancellationToken.None);
            if (checkpoint < 3) transactions.AbortCheckpoint(checkpoint);
        }

        counter.Committed.Should().Be(0, "the aborted checkpoints' transactions wait");
        await transactions.CommitAsync(3, CancellationToken.None).WaitAsync(Deadline);

        counter.Committed.Should().Be(3);
        log.Should().Contain(l => l.Contains("checkpoint 3 committed the transactions of checkpoints 1, 2, 3", StringComparison.Ordinal), string.Join(Environment.NewLine, log));

        // A fourth pre-commit finds the pool free again.
        Write(transactions, topic, "v4");
        await transactions.PreCommitAsync(4, null, CancellationToken.None);
        await transactions.CommitAsync(4, CancellationToken.None).WaitAsync(Deadline);
        counter.Committed.Should().Be(4);
    }

    [Fact]
    public async Task MoreAbortedCheckpointsThanThePoolHolds_FailThePreCommit_SayingWhy()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("out");
        await cluster.CreateTopicAsync(topic);
        var log = new ConcurrentQueue<string>();
        using var transactions = Transactions(cluster, topic, KafkaTransactions<string, string>.PoolSizeFor(0), log);
        await transactions.InitAsync(null, CancellationToken.None);
        await transactions.PreCommitAsync(1, null, CancellationToken.None);
        transactions.AbortCheckpoint(1);

        var act = () => transactions.PreCommitAsync(2, null, CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage($"*checkpoint 2 was pre-committed while*checkpoint 1*TolerableCheckpointFailures + 2*");
    }
}
