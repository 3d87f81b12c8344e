using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>
/// <see cref="TransactionOffsets"/>: a partition that moves while the group holds an older offset than the one its
/// exactly-once transaction committed is said (event 306); one whose refusal a later commit covered is not.
/// </summary>
public class TransactionOffsetsTests
{
    private const string Topic = "exchange";

    private static TopicPartitionOffset At(int partition, long offset) => new(Topic, partition, offset);

    private static TopicPartition P(int partition) => new(Topic, partition);

    [Fact]
    public void APartitionMovingWithItsLastOffsetsRefused_IsSaid_WithThoseOffsets()
    {
        var log = new EventLog();
        var offsets = new TransactionOffsets(Topic, log);
        offsets.Committed([At(0, 10), At(1, 10)]);
        offsets.Refused([At(0, 20), At(1, 20)], "Specified group generation id is not valid");
        offsets.Committed([At(1, 25)]);

        offsets.Moved([P(0), P(1)], "totals");

        log.Lines.Should().ContainSingle().Which.Should().Be((306, "Repartition topic exchange: partitions moved whose last checkpoint offsets [0] @20 the group refused (Specified group generation id is not valid) after the exactly-once sink totals committed them in its transaction. A broker stores a transaction's offsets with it, so their next owner starts after them; a broker that ignores offsets sent to transactions (librdkafka's mock cluster) has it start at the previous commit and commit those results again"));
    }

    [Fact]
    public void ARefusalIsForgotten_WhenThePartitionMoves_AndAPartitionThatStays_IsNotSaid()
    {
        var log = new EventLog();
        var offsets = new TransactionOffsets(Topic, log);
        offsets.Refused([At(0, 20), At(1, 20)], "Group rebalance in progress");

        offsets.Moved([P(1)], "totals");
        offsets.Moved([P(1)], "totals");

        log.Lines.Should().ContainSingle().Which.Message.Should().Contain("[1] @20").And.NotContain("[0]");
    }

    private sealed class EventLog : ILogger
    {
        public List<(int Id, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((eventId.Id, formatter(state, exception)));
    }
}
