using System.IO.Enumeration;

namespace Pipelines.Files.Reading;

/// <summary>
/// A file path whose last segment may hold wildcards (<c>*</c> any run of characters, <c>?</c> one character):
/// <c>logs/app.log</c>, <c>data/*.csv</c>, <c>in/part-????.jsonl</c>. Names starting with '.' (hidden files,
/// the sinks' files in progress) match only a pattern that starts with '.'.
/// </summary>
internal sealed class FilePattern
{
    private FilePattern(string directory, string name)
    {
        Directory = directory;
        Name = name;
        HasWildcards = name.AsSpan().IndexOfAny('*', '?') >= 0;
    }

    public string Directory { get; }

    public string Name { get; }

    public bool HasWildcards { get; }

    public string FullPattern => System.IO.Path.Combine(Directory, Name);

    public static FilePattern Parse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        string name = System.IO.Path.GetFileName(full);
        string directory = System.IO.Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        if (name.Length == 0 || System.IO.Directory.Exists(full))
        {
            throw new ArgumentException($"'{path}' names a directory; add a file name or a pattern such as '{System.IO.Path.Combine(path, "*.csv")}'.", nameof(path));
        }
        if (directory.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            throw new ArgumentException($"'{path}': wildcards are allowed in the file name only, not in the directory.", nameof(path));
        }

        return new FilePattern(directory, name);
    }

    public bool IsMatch(string fileName) =>
        (!fileName.StartsWith('.') || Name.StartsWith('.')) && FileSystemName.MatchesSimpleExpression(Name, fileName, ignoreCase: false);

    /// <summary>The matching files, in ordinal order of their full paths. Empty when the directory does not exist.</summary>
    public List<string> List(string? except)
    {
        var files = new List<string>();
        if (!System.IO.Directory.Exists(Directory)) return files;
        if (!HasWildcards)
        {
            string single = System.IO.Path.Combine(Directory, Name);
            if (File.Exists(single)) files.Add(single);
            return files;
        }

        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (IsMatch(System.IO.Path.GetFileName(file)) && !string.Equals(file, except, StringComparison.Ordinal)) files.Add(file);
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// The directory's other files that a file once at <paramref name="oldPath"/> may have been rotated to
    /// (<c>app.log</c> renamed or copied to <c>app.log.1</c>, <c>app.log-20240101</c>, <c>app-1.log</c>): names that
    /// start with its name's stem, not in <paramref name="matched"/> (the pattern's), not hidden (temporary files),
    /// not <paramref name="except"/>, and at least <paramref name="minLength"/> bytes long — which also passes over
    /// pipes and devices, whose length is 0, without opening them — in ordinal order.
    /// </summary>
    public List<string> RotatedCandidates(string oldPath, long minLength, IReadOnlyCollection<string> matched, string? except)
    {
        var files = new List<string>();
        if (!System.IO.Directory.Exists(Directory)) return files;
        string stem = System.IO.Path.GetFileNameWithoutExtension(oldPath);
        var known = matched as IReadOnlySet<string> ?? new HashSet<string>(matched, StringComparer.Ordinal);
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = System.IO.Path.GetFileName(file);
            if (name.StartsWith('.') || !name.StartsWith(stem, StringComparison.Ordinal) || known.Contains(file) || string.Equals(file, except, StringComparison.Ordinal)) continue;
            try
            {
                if (new FileInfo(file).Length >= minLength) files.Add(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone or unreadable: not where the file went.
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
