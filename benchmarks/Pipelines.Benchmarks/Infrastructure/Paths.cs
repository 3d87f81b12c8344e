namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>Where the harness reads and writes, relative to the repository (found from the current directory).</summary>
internal static class Paths
{
    /// <summary>The folder holding Pipelines.sln, searched upwards from the current directory, then from the executable.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>BenchmarkDotNet's artifacts (git-ignored).</summary>
    public static string Artifacts(string root) => Path.Combine(root, "benchmarks", "BenchmarkDotNet.Artifacts");

    /// <summary>The committed results folder.</summary>
    public static string Results(string root) => Path.Combine(root, "benchmarks", "results");
}
