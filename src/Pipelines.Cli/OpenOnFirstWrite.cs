using System.Text;

namespace Pipelines.Cli;

/// <summary>
/// The <c>--output</c> file, created (or emptied) when the first text is written to it: a script that cannot run
/// (a typo, an unknown column) leaves an earlier output where it was, instead of an empty file. A script that ran
/// replaces it, rows or none (<see cref="Open"/>).
/// </summary>
internal sealed class OpenOnFirstWrite(string path) : TextWriter
{
    private StreamWriter? _file;

    /// <summary>The writer of <paramref name="path"/>, once it is known that the file can be written (without changing it, or leaving it behind).</summary>
    public static OpenOnFirstWrite Checked(string path)
    {
        bool existed = System.IO.File.Exists(path);
        using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write))
        {
        }

        if (!existed) System.IO.File.Delete(path);
        return new OpenOnFirstWrite(path);
    }

    public override Encoding Encoding { get; } = new UTF8Encoding(false);

    private StreamWriter File => _file ??= new StreamWriter(path, append: false, Encoding);

    /// <summary>Creates (or empties) the file if nothing was written yet: a run that gave no rows replaces the earlier output with none.</summary>
    public void Open() => _ = File;

    public override void Write(char value) => File.Write(value);

    public override void Write(char[] buffer, int index, int count) => File.Write(buffer, index, count);

    public override void Write(ReadOnlySpan<char> buffer) => File.Write(buffer);

    public override void Write(string? value) => File.Write(value);

    public override void WriteLine(string? value) => File.WriteLine(value);

    /// <summary>Writes what is buffered; creates nothing when nothing was written.</summary>
    public override void Flush() => _file?.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file?.Dispose();
        base.Dispose(disposing);
    }
}
