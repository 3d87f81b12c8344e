namespace Pipelines.Cli;

/// <summary>The command line, read: what to run and where the results go.</summary>
internal sealed record CliOptions(string Script, string ScriptName, string? BaseDirectory, OutputFormat Format, string? OutputPath, Sql.SqlExecutionMode Mode, bool Quiet)
{
    public const string Usage = """
        Usage: pipelines sql FILE.sql [options]
               pipelines sql -e "SELECT …" [options]

        Runs the SQL statements of FILE.sql (or of -e): as a batch when every table read ends, as a stream otherwise
        (files with 'source.monitor-interval'); Ctrl+C stops a stream after its open windows have fired.

        Options:
          -e, --execute SQL          run these statements instead of a file
          -f, --format FORMAT        table (default), csv or jsonl
          -o, --output PATH          write the results to PATH instead of stdout
          -m, --mode MODE            auto (default), batch or streaming
          -q, --quiet                no progress or messages on stderr
          -h, --help                 show this help
        Relative paths in the statements are resolved against the script's folder (the current folder with -e).
        """;

    /// <summary>Reads the arguments; a usage error is a <see cref="CliUsageException"/>.</summary>
    public static CliOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help") throw new CliUsageException(null);
        if (args[0] != "sql") throw new CliUsageException($"unknown command '{args[0]}'; the command is 'sql'.");
        string? file = null, execute = null, output = null;
        var format = OutputFormat.Table;
        var mode = Sql.SqlExecutionMode.Auto;
        bool quiet = false;
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new CliUsageException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "-e" or "--execute": execute = Value(); break;
                case "-o" or "--output": output = Value(); break;
                case "-f" or "--format":
                    string f = Value();
                    format = f.ToLowerInvariant() switch
                    {
                        "table" => OutputFormat.Table,
                        "csv" => OutputFormat.Csv,
                        "jsonl" or "json" => OutputFormat.JsonLines,
                        _ => throw new CliUsageException($"unknown format '{f}'; use table, csv or jsonl."),
                    };
                    break;
                case "-m" or "--mode":
                    string m = Value();
                    mode = m.ToLowerInvariant() switch
                    {
                        "auto" => Sql.SqlExecutionMode.Auto,
                        "batch" => Sql.SqlExecutionMode.Batch,
                        "streaming" or "stream" => Sql.SqlExecutionMode.Streaming,
                        _ => throw new CliUsageException($"unknown mode '{m}'; use auto, batch or streaming."),
                    };
                    break;
                case "-q" or "--quiet": quiet = true; break;
                case "-h" or "--help": throw new CliUsageException(null);
                default:
                    if (args[i].StartsWith('-')) throw new CliUsageException($"unknown option '{args[i]}'.");
                    if (file is not null) throw new CliUsageException($"one script at a time: '{file}' and '{args[i]}' were given.");
                    file = args[i];
                    break;
            }
        }
        if ((file is null) == (execute is null)) throw new CliUsageException("give a script file or -e \"statements\", one of the two.");
        if (execute is not null) return new CliOptions(execute, "-e", null, format, output, mode, quiet);
        string full = Path.GetFullPath(file!);
        if (!File.Exists(full)) throw new CliUsageException($"the script '{file}' does not exist.");
        string script;
        try
        {
            script = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"the script '{file}' cannot be read: {ex.Message}");
        }

        return new CliOptions(script, file!, Path.GetDirectoryName(full), format, output, mode, quiet);
    }
}

internal enum OutputFormat
{
    Table,
    Csv,
    JsonLines,
}

/// <summary>The command line is wrong; the message (or, when null, the usage) says how.</summary>
internal sealed class CliUsageException(string? message) : Exception(message ?? CliOptions.Usage)
{
    public bool ShowUsageOnly { get; } = message is null;
}
