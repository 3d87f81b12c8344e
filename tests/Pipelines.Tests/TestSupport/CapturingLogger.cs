using Microsoft.Extensions.Logging;

namespace Pipelines.Tests.TestSupport;

/// <summary>A logger that keeps every message at warning level or above, for tests that check what was reported.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<string> _warnings = [];

    public List<string> Warnings
    {
        get
        {
            lock (_gate) return _warnings.ToList();
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel < LogLevel.Warning) return;
        lock (_gate) _warnings.Add(formatter(state, exception));
    }
}
