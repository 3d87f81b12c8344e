using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Pipelines.Kafka.Tests.Support;

/// <summary>Sends the Kafka package's log (assignments, revocations, commits, client errors) to the test's output, shown when a test fails.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output, string name) : ILogger
{
    private static readonly long Start = Stopwatch.GetTimestamp();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        try
        {
            output.WriteLine($"{Stopwatch.GetElapsedTime(Start).TotalSeconds,8:0.000} {name} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " — " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; late log lines have nowhere to go.
        }
    }
}
