using Microsoft.Extensions.Logging;

namespace KafkaFraudDetection;

/// <summary>
/// One instance's run log, printed with the instance's name: the keyed state that moves (a partition's state
/// restored from the shared storage, or handed over), warnings and errors. Counts the restores.
/// </summary>
public sealed class InstanceLog(string instance, TextWriter output) : ILogger
{
    /// <summary>The run's log events of moving state: restored, missing (the partition starts empty), handed over.</summary>
    private const int Restored = 110, Missing = 111, HandedOver = 112;

    private int _restores;

    /// <summary>Partitions whose state this instance restored from the storage.</summary>
    public int Restores => Volatile.Read(ref _restores);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        bool moving = eventId.Id is Restored or Missing or HandedOver;
        if (!moving && logLevel < LogLevel.Warning) return;
        if (eventId.Id == Restored) Interlocked.Increment(ref _restores);
        string line = $"  [{instance}] {formatter(state, exception)}{(exception is null ? "" : ": " + exception.GetBaseException().Message)}";
        lock (output) output.WriteLine(line);
    }
}
