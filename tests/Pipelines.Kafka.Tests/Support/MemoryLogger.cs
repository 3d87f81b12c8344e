using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>Keeps the Kafka package's log in memory, so a test running many cycles prints only the log of a cycle that went wrong.</summary>
internal sealed class MemoryLogger(string name, ConcurrentQueue<string> lines) : ILogger
{
    private static readonly long Start = Stopwatch.GetTimestamp();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        lines.Enqueue($"{Stopwatch.GetElapsedTime(Start).TotalSeconds,8:0.000} {name} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " — " + exception.Message)}");
    }
}
