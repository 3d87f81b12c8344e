using Pipelines;
using Spectre.Console;

namespace Clickstream;

/// <summary>Moves a Spectre.Console progress bar from <see cref="BoundedExecutorOptions.Progress"/>, synchronously on the run's thread.</summary>
public sealed class ProgressTaskReporter(ProgressTask task) : IProgress<RunProgress>
{
    public void Report(RunProgress value) => task.Value = (value.Fraction ?? 0) * task.MaxValue;
}
