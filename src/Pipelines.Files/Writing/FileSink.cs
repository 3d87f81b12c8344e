using System.Text.RegularExpressions;

namespace Pipelines.Files.Writing;

/// <summary>
/// A sink that writes rolling files into a directory; see <see cref="FileSinks"/>. One run at a time writes files
/// of one prefix into one directory (two would pick the same names); each run numbers its files after the
/// earlier runs' files, and with <see cref="FileSinkOptions.ReplaceEarlierOutput"/> deletes those once it succeeds.
/// </summary>
internal sealed class FileSink<T>(string directory, RecordOutput<T> output, FileSinkOptions options, Func<T, string>? bucketBy, string name) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        var claim = EarlierOutput.Claim(directory, options.FilePrefix, output.Extension, () =>
            $"Sink '{name}': another run is writing '{options.FilePrefix}-*{output.Extension}' files into '{directory}', and two runs would pick the same file names. " +
            "Run one at a time, or give each run its own directory or FilePrefix.");
        try
        {
            Directory.CreateDirectory(directory);
            var earlier = EarlierFiles();
            int next = earlier.Count == 0 ? 1 : earlier.Max(f => f.Sequence) + 1;
            var replaced = options.ReplaceEarlierOutput ? earlier.Select(f => f.Path).ToList() : [];
            var committer = new PartCommitter(directory, FinalName());
            return new(new FileSinkWriter<T>(directory, output, options, bucketBy, next, replaced, committer, claim, name));
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    /// <summary>The final names of this sink's files: <c>{prefix}-{sequence}{ext}</c> or <c>{prefix}-{bucket}-{sequence}{ext}</c>.</summary>
    private Regex FinalName() =>
        new($"^{Regex.Escape(options.FilePrefix)}-(?:.+-)?(\\d+){Regex.Escape(output.Extension)}$", RegexOptions.CultureInvariant);

    /// <summary>
    /// The files of earlier runs: finished files, and the hidden files a crashed run left behind (in progress, or
    /// pending a checkpoint's commit). A new run's numbers continue after the highest of them, so it never
    /// overwrites an earlier run's files, nor takes the name a pending file will be published under.
    /// </summary>
    private List<(string Path, int Sequence)> EarlierFiles()
    {
        var pattern = FinalName();
        var files = new List<(string, int)>();
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(file);
            string? hidden = PartCommitter.HiddenFinalName(name);
            var match = pattern.Match(hidden ?? name);
            if (match.Success && int.TryParse(match.Groups[1].ValueSpan, out int sequence)) files.Add((file, sequence));
        }

        return files;
    }
}
