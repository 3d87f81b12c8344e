using Pipelines;
using Spectre.Console;

namespace EndOfDayReport;

/// <summary>
/// Moves a Spectre.Console progress bar from <see cref="BoundedExecutorOptions.Progress"/>. Reports arrive
/// synchronously on the run's thread (not through <see cref="Progress{T}"/>, which would post them later and
/// out of order); <see cref="ProgressTask"/> is thread-safe.
/// </summary>
public sealed class SpectreProgress(ProgressTask task) : IProgress<RunProgress>
{
    public void Report(RunProgress value)
    {
        task.Value = (value.Fraction ?? 0) * task.MaxValue;
        task.Description = $"Booking transactions [grey]({value.ElementsRead:N0} read)[/]";
    }
}
