namespace Pipelines.Files.Writing;

/// <summary>
/// What the file sinks share about the output of earlier runs in their directory: one run at a time writes files
/// of one prefix and extension there (a second would pick the same names, or its recovery would delete the first
/// one's unfinished files), and a run that replaces earlier output deletes those files once it succeeds.
/// </summary>
internal static class EarlierOutput
{
    /// <summary>Claims <c>{prefix}-*{extension}</c> in <paramref name="directory"/> for this run; refused with <paramref name="refusal"/> while another run holds it.</summary>
    public static IDisposable Claim(string directory, string prefix, string extension, Func<string> refusal) =>
        RunClaims.Take($"output:{directory}{Path.DirectorySeparatorChar}{prefix}-*{extension}", refusal);

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
