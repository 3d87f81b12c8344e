namespace Pipelines.Files.Tests;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pipelines-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <summary>The names of the files in the directory (or a subdirectory), sorted.</summary>
    public string[] Files(string? subdirectory = null, bool includeHidden = false)
    {
        string directory = subdirectory is null ? Path : this[subdirectory];
        return Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory).Select(System.IO.Path.GetFileName).OfType<string>().Where(n => includeHidden || !n.StartsWith('.')).Order(StringComparer.Ordinal)]
            : [];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a run that is shutting down; the temp folder is cleaned by the system eventually.
        }
    }
}
