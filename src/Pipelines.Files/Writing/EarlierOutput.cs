namespace Pipelines.Files.Writing;

/// <summary>
/// What the file sinks share about the output of earlier runs in their directory: one run at a time writes files
/// of one prefix and extension there (a second would pick the same names, or its recovery would delete the first
/// one's unfinished files), and a run that replaces earlier output deletes those files once it succeeds.
/// </summary>
internal static class EarlierOutput
{
    private static readonly List<(string Directory, string Prefix, string Extension)> Writing = [];

    /// <summary>
    /// Claims <c>{prefix}-*{extension}</c> in <paramref name="directory"/> for this run; refused with
    /// <paramref name="refusal"/> while another run holds it, and refused too while a run writes files whose prefix
    /// is this one's followed by '-' (or the other way round): <c>trades-rejected-000007</c> is also a file of
    /// <c>trades</c> in bucket <c>rejected</c>, so each sink would take the other's files for its own — replace
    /// them, recover them, number after them.
    /// </summary>
    public static IDisposable Claim(string directory, string prefix, string extension, Func<string> refusal)
    {
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var claim = RunClaims.Take($"output:{folder}{Path.DirectorySeparatorChar}{prefix}-*{extension}", refusal);
        var entry = (folder, prefix, extension);
        lock (Writing)
        {
            foreach (var other in Writing)
            {
                if (other.Directory != entry.Item1 || other.Extension != extension) continue;
                if (prefix.StartsWith(other.Prefix + "-", StringComparison.Ordinal) || other.Prefix.StartsWith(prefix + "-", StringComparison.Ordinal))
                {
                    claim.Dispose();
                    throw new InvalidOperationException(
                        $"A run is writing '{other.Prefix}-*{extension}' files into '{directory}', and FilePrefix '{prefix}' overlaps it: a file named " +
                        $"'{(prefix.Length > other.Prefix.Length ? prefix : other.Prefix)}-000001{extension}' would belong to both sinks (the shorter prefix reads the rest as a bucket). " +
                        "Give each sink its own directory, or prefixes where neither is the other's followed by '-'.");
                }
            }

            Writing.Add(entry);
        }

        return new Release(claim, entry);
    }

    private sealed class Release(IDisposable claim, (string, string, string) entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (Writing) Writing.Remove(entry);
            claim.Dispose();
        }
    }

    /// <summary>Deletes the earlier runs' files this run replaces (it finished its own).</summary>
    public static void Delete(string directory, IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException ex)
            {
                throw new IOException($"The run finished its output in '{directory}' but could not delete '{file}', a file of an earlier run it replaces: {ex.Message}", ex);
            }
        }
    }
}
