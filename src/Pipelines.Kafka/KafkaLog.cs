using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka;

/// <summary>The Kafka package's log messages (source-generated).</summary>
internal static partial class KafkaLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Kafka source {Source}: partitions assigned: {Partitions}")]
    public static partial void Assigned(ILogger logger, string source, string partitions);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Kafka source {Source}: partitions revoked ({Committed}): {Partitions}")]
    public static partial void Revoked(ILogger logger, string source, string committed, string partitions);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Kafka source {Source}: partitions lost (this instance left the group); their next owner re-reads from the last commit: {Partitions}")]
    public static partial void Lost(ILogger logger, string source, string partitions);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Kafka source {Source}: committed {Offsets}")]
    public static partial void Committed(ILogger logger, string source, string offsets);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Kafka source {Source}: commit of {Offsets} failed; these records will be read again by the partitions' next owner")]
    public static partial void CommitFailed(ILogger logger, Exception exception, string source, string offsets);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Kafka source {Source}: the group is rebalancing while committing; polling to finish the rebalance ({Reason})")]
    public static partial void CommitDuringRebalance(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Kafka source {Source}: skipped the record at {Topic} [{Partition}] @{Offset}: its {Component} could not be deserialized")]
    public static partial void Skipped(ILogger logger, Exception exception, string source, string topic, int partition, long offset, string component);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Kafka source {Source}: dead-lettered the record at {Topic} [{Partition}] @{Offset} (to {Destination}): its {Component} could not be deserialized")]
    public static partial void DeadLettered(ILogger logger, Exception exception, string source, string topic, int partition, long offset, string component, string destination);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Kafka client {Client}: {Reason} ({Code})")]
    public static partial void ClientError(ILogger logger, string client, string reason, string code);

    [LoggerMessage(EventId = 109, Message = "librdkafka {Client} [{Facility}]: {Message}")]
    public static partial void Librdkafka(ILogger logger, LogLevel level, string client, string facility, string message);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Kafka source {Source}: partitions assigned while stopping; they are not read and go back to the group: {Partitions}")]
    public static partial void AssignedWhileStopping(ILogger logger, string source, string partitions);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Kafka source {Source}: could not commit {Offsets} after the drain ({Reason}); the partitions' next owner reads the records since the last commit again")]
    public static partial void CommitLeftToNextOwner(ILogger logger, string source, string offsets, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Kafka source {Source}: leaving the consumer group did not finish within {Seconds} s (the group is rebalancing, or the coordinator does not answer); the run ends now and the consumer closes in the background as soon as no assignment change is in progress")]
    public static partial void LeaveTimedOut(ILogger logger, string source, double seconds);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Kafka source {Source}: the consumer could not leave its group cleanly: {Reason}; its partitions move to other instances after session.timeout.ms")]
    public static partial void LeaveFailed(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "Kafka sink {Sink}: initialised transactional ids {Ids} (restoring checkpoint {Checkpoint}); any transaction a previous run left open under them is aborted and its producers are fenced")]
    public static partial void TransactionsInitialised(ILogger logger, string sink, string ids, string checkpoint);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "Kafka sink {Sink}: aborted the transaction of {What} (transactional id {Id}); the restarted run writes those results again")]
    public static partial void TransactionAborted(ILogger logger, string sink, string id, string what);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "Kafka sink {Sink}: aborting the transaction of transactional id {Id} failed ({Reason}); the broker aborts it after the transaction timeout, or the next run's initialisation does")]
    public static partial void AbortFailed(ILogger logger, string sink, string id, string reason);

    [LoggerMessage(EventId = 117, Level = LogLevel.Warning, Message = "Kafka sink {Sink}: checkpoint {Checkpoint} was aborted; its transaction (transactional id {Id}) stays open and commits with the next completed checkpoint, which covers its results")]
    public static partial void TransactionKept(ILogger logger, string sink, long checkpoint, string id);

    [LoggerMessage(EventId = 118, Level = LogLevel.Information, Message = "Kafka sink {Sink}: the input ended while a checkpoint is in flight; its transaction commits once the checkpoint is stored, before the last one")]
    public static partial void EndWaitsForCheckpoint(ILogger logger, string sink);

    [LoggerMessage(EventId = 119, Level = LogLevel.Error, Message = "Kafka sink {Sink}: the results of checkpoint {Checkpoint} are lost. The checkpoint is stored, so a restarted run resumes after it and does not write them again, but its transaction{Which} could not be committed: {Reason}")]
    public static partial void CheckpointOutputLost(ILogger logger, Exception? exception, string sink, long checkpoint, string which, string reason);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Kafka sink {Sink}: checkpoint {Checkpoint} committed the transactions of checkpoints {Checkpoints} (the earlier ones' checkpoints were aborted)")]
    public static partial void TransactionsCommittedTogether(ILogger logger, string sink, long checkpoint, string checkpoints);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Kafka sink {Sink}: KafkaSinkOptions.TransactionTimeout ({Timeout}) is shorter than (StreamingOptions.TolerableCheckpointFailures {Tolerance} + 2) × CheckpointInterval ({Interval}). A transaction stays open for about one interval plus the time its checkpoint takes, and one more interval per aborted checkpoint it waits through, so the broker may abort it before its checkpoint commits it; a transaction aborted after its checkpoint is stored loses its results. Raise the TransactionTimeout (within the broker's transaction.max.timeout.ms) or shorten the interval")]
    public static partial void TransactionTimeoutShort(ILogger logger, string sink, TimeSpan timeout, int tolerance, TimeSpan interval);

    public static void Forward(ILogger logger, Confluent.Kafka.LogMessage message)
    {
        var level = message.Level switch
        {
            Confluent.Kafka.SyslogLevel.Emergency or Confluent.Kafka.SyslogLevel.Alert or Confluent.Kafka.SyslogLevel.Critical => LogLevel.Critical,
            Confluent.Kafka.SyslogLevel.Error => LogLevel.Error,
            Confluent.Kafka.SyslogLevel.Warning => LogLevel.Warning,
            Confluent.Kafka.SyslogLevel.Notice or Confluent.Kafka.SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        try
        {
            if (logger.IsEnabled(level)) Librdkafka(logger, level, message.Name, message.Facility, message.Message);
        }
        catch (Exception)
        {
            // Called on librdkafka's threads (and by a consumer closed in the background after the run): a logger that
            // throws there (one disposed at the host's shutdown) must not take the process down with it.
        }
    }

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "Kafka source {Source}: partitions {Partitions} were revoked while an exactly-once sink commits this source's offsets in its transactions (SendOffsetsOf), with {Records} records read since the last checkpoint: their next owner reads them again while this instance's open transaction still commits their results, so read_committed consumers may see those results twice. SendOffsetsOf supports one instance per consumer group")]
    public static partial void RevokedWithOffsetsInTransactions(ILogger logger, string source, long records, string partitions);

    [LoggerMessage(EventId = 124, Level = LogLevel.Error, Message = "Kafka source {Source}: the {Callback} callback failed for partitions {Partitions}; the source goes on reading (the partitions are {Outcome} either way)")]
    public static partial void PartitionCallbackFailed(ILogger logger, Exception exception, string source, string callback, string partitions, string outcome);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Kafka sink {Sink}: dropped {Count} results of partitions {Partitions} of repartition topic {Topic} held for the next transaction: their state moved to another instance, which emits them again from the partitions' last checkpoint")]
    public static partial void ResultsWithdrawn(ILogger logger, string sink, int count, string partitions, string topic);

    [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "Kafka sink {Sink}: the input ended with {Count} results after the last checkpoint; they are not committed: the partitions' next owner emits them again from the state of that checkpoint")]
    public static partial void ResultsAfterLastCheckpoint(ILogger logger, string sink, int count);
}
