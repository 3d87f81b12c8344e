namespace Pipelines.Readme.Tests;

/// <summary>Captures what is written to <see cref="Console.Out"/> until disposed (tests here run one at a time).</summary>
internal sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _original = Console.Out;
    private readonly StringWriter _captured = new();

    public ConsoleCapture() => Console.SetOut(TextWriter.Synchronized(_captured));

    public List<string> Lines => [.. _captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    public void Dispose() => Console.SetOut(_original);
}
