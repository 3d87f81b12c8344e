using System.Text.RegularExpressions;

namespace Pipelines.Files.Writing;

/// <summary>A sink that writes rolling files into a directory; see <see cref="FileSinks"/>.</summary>
internal sealed class FileSink<T>(string directory, RecordOutput<T> output, FileSinkOptions options, Func<T, string>? bucketBy, string name) : Sink<T>
{
    public override string Name => name;

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        return new(new FileSinkWriter<T>(directory, output, options, bucketBy, NextSequence()));
    }

    /// <summary>
    /// Numbers continue after the highest one already in the directory — finished files and the temporary files a
    /// crashed run left behind — so a new run never overwrites an earlier run's files.
    /// </summary>
    private int NextSequence()
    {
        var pattern = new Regex($"^\\.?{Regex.Escape(options.FilePrefix)}-(?:.+-)?(\\d+){Regex.Escape(output.Extension)}(?:\\.inprogress)?$", RegexOptions.CultureInvariant);
        int highest = 0;
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            var match = pattern.Match(Path.GetFileName(file));
            if (match.Success && int.TryParse(match.Groups[1].ValueSpan, out int sequence)) highest = Math.Max(highest, sequence);
        }

        return highest + 1;
    }
}
