namespace Pipelines.Postgres.Tests;

/// <summary>
/// Counts the errors about a value (invalid cast, not supported, overflow, format, argument: what Npgsql throws for a
/// value it cannot read) thrown by Npgsql — caught or not — in the flow of the test that created it: the code it awaits and
/// the tasks and threads it starts, which inherit its execution context; other tests running meanwhile are not
/// counted.
/// </summary>
internal sealed class ValueErrors : IDisposable
{
    private static readonly AsyncLocal<ValueErrors?> Current = new();
    private readonly List<string> _seen = [];

    public ValueErrors()
    {
        Current.Value = this;
        AppDomain.CurrentDomain.FirstChanceException += OnThrown;
    }

    /// <summary>The errors counted so far, described.</summary>
    public IReadOnlyList<string> Seen
    {
        get
        {
            lock (_seen) return [.. _seen];
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.FirstChanceException -= OnThrown;
        Current.Value = null;
    }

    private void OnThrown(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
    {
        if (!ReferenceEquals(Current.Value, this)) return;
        if (e.Exception is InvalidCastException or NotSupportedException or OverflowException or FormatException or ArgumentException
            && e.Exception.StackTrace?.Contains("at Npgsql.", StringComparison.Ordinal) == true)
        {
            lock (_seen) _seen.Add($"{e.Exception.GetType().Name}: {e.Exception.Message}");
        }
    }
}
