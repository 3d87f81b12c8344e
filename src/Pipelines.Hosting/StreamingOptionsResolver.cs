using Microsoft.Extensions.Logging;

namespace Pipelines.Hosting;

/// <summary>Fills the parts of <see cref="StreamingOptions"/> that the host provides: its logger and, when registered, its clock.</summary>
internal static class StreamingOptionsResolver
{
    public const string LoggerCategory = "Pipelines";

    public static StreamingOptions Resolve(StreamingOptions? configured, ILoggerFactory loggerFactory, TimeProvider? registeredClock)
    {
        configured ??= new StreamingOptions();

        // StreamingOptions is init-only: copy every setting and replace the two the host provides.
        return new StreamingOptions
        {
            Parallelism = configured.Parallelism,
            ChannelCapacity = configured.ChannelCapacity,
            MaxBatchSize = configured.MaxBatchSize,
            ChainSinks = configured.ChainSinks,
            Linger = configured.Linger,
            WatermarkInterval = configured.WatermarkInterval,
            IdleTimeout = configured.IdleTimeout,
            CheckpointInterval = configured.CheckpointInterval,
            CheckpointStorage = configured.CheckpointStorage,
            MaxParallelism = configured.MaxParallelism,
            RestoreFrom = configured.RestoreFrom,
            AllowNonRestoredState = configured.AllowNonRestoredState,
            TolerableCheckpointFailures = configured.TolerableCheckpointFailures,
            MaxAlignmentBuffer = configured.MaxAlignmentBuffer,
            TimeProvider = ReferenceEquals(configured.TimeProvider, TimeProvider.System) && registeredClock is not null ? registeredClock : configured.TimeProvider,
            Logger = configured.Logger ?? loggerFactory.CreateLogger(LoggerCategory),
        };
    }
}
