namespace Pipelines;

/// <summary>How far a bounded run has got, reported through <see cref="BoundedExecutorOptions.Progress"/>.</summary>
/// <param name="ElementsRead">Elements read from all sources so far.</param>
/// <param name="Sources">Each source's progress, in the order the sources were added.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record RunProgress(long ElementsRead, IReadOnlyList<SourceProgress> Sources, TimeSpan Elapsed)
{
    /// <summary>The overall fraction done when every source knows its size (each source weighs the same), else null.</summary>
    public double? Fraction => Sources.Count == 0 || Sources.Any(s => s.Fraction is null) ? null : Sources.Average(s => s.Fraction!.Value);
}

/// <summary>One source's progress.</summary>
/// <param name="Name">The source's name.</param>
/// <param name="ElementsRead">Elements read from it so far.</param>
/// <param name="Fraction">The fraction read (0 to 1) when the source knows its size, else null.</param>
/// <param name="Completed">True once the source has been read to its end.</param>
public sealed record SourceProgress(string Name, long ElementsRead, double? Fraction, bool Completed);
