using Microsoft.Extensions.Logging;

namespace Pipelines.Operators;

/// <summary>What count windows log.</summary>
internal static partial class CountWindowLog
{
    [LoggerMessage(EventId = 150, Level = LogLevel.Warning,
        Message = "Count window {Operator} of pipeline {Pipeline} runs without StreamingOptions.CheckpointStorage: each checkpoint waits until every key's window open at its barrier is full (or the input ends; with sliding count windows, until the input ends), so checkpoints — and the commits of sources that commit during the run, such as Kafka offsets or a PostgreSQL slot's position — can stall for as long as a key takes to fill its window. Give the run a CheckpointStorage to write the windows at each checkpoint instead")]
    public static partial void HoldsCheckpoints(ILogger logger, string pipeline, string @operator);
}
