using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipelines.Files.Writing;

/// <summary>
/// When a file sink's finished files become visible. A file is written as <c>.{final name}.inprogress</c>.
/// <para>
/// Without a checkpoint storage a finished file (rolled, finished at a checkpoint, or at the end of input) is
/// renamed to its final name at once.
/// </para>
/// <para>
/// With one (the executor calls <see cref="Recover"/> before the first write) the sink commits in two phases, as
/// Flink's FileSink does: a finished file stays hidden; at checkpoint N's barrier (<see cref="PreCommit"/>) each
/// finished file is renamed to <c>.{final name}.pending-N</c>, and when checkpoint N is stored
/// (<see cref="Commit"/>) every pending file up to N is renamed to its final name. The pending name is the
/// record of which checkpoint a file belongs to, so it survives a crash without another manifest: a restarted run
/// (<see cref="Recover"/>) publishes the pending files of checkpoints up to the one it restores, and deletes the
/// pending files of later checkpoints and every in-progress file — the restored run writes those rows again.
/// Every rename is atomic and names are never reused, so recovery interrupted by another crash is simply run again.
/// </para>
/// </summary>
/// <param name="directory">The sink's directory.</param>
/// <param name="finalName">Matches the final names of this sink's files (prefix and extension), and no other.</param>
internal sealed class PartCommitter(string directory, Regex finalName)
{
    private const string InProgress = ".inprogress";
    private const string Pending = ".pending-";
    private static readonly Regex PendingName = new(@"^\.(?<final>.+)\.pending-(?<checkpoint>\d+)$", RegexOptions.CultureInvariant);
    private readonly Lock _gate = new();
    private readonly List<(string Temporary, string Final)> _finished = [];
    private readonly List<(long Checkpoint, string Pending, string Final)> _pending = [];
    private volatile bool _twoPhase;

    /// <summary>Whether files wait for checkpoints to become visible (the run stores checkpoints).</summary>
    public bool TwoPhase => _twoPhase;

    /// <summary>The hidden name a file has while it is written.</summary>
    public static string TemporaryPath(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + InProgress);

    /// <summary>The hidden name of a finished file that checkpoint <paramref name="checkpoint"/> pre-committed.</summary>
    public static string PendingPath(string finalPath, long checkpoint) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + Pending + checkpoint.ToString("D20", CultureInfo.InvariantCulture));

    /// <summary>Whether <paramref name="fileName"/> is a hidden file of this sink (in progress, finished or pending), counted when numbering files.</summary>
    public static string? HiddenFinalName(string fileName)
    {
        if (!fileName.StartsWith('.')) return null;
        if (fileName.EndsWith(InProgress, StringComparison.Ordinal)) return fileName[1..^InProgress.Length];
        var match = PendingName.Match(fileName);
        return match.Success ? match.Groups["final"].Value : null;
    }

    /// <summary>
    /// A file was finished (written, flushed to disk and closed) under <paramref name="temporary"/>: visible now,
    /// or, with two-phase commit, at the commit of the next checkpoint.
    /// </summary>
    public void Finished(string temporary, string final)
    {
        if (!_twoPhase)
        {
            Publish(temporary, final);
            return;
        }

        lock (_gate) _finished.Add((temporary, final));
    }

    /// <summary>The barrier of <paramref name="checkpoint"/>: the files finished since the last one become its pending files.</summary>
    public void PreCommit(long checkpoint)
    {
        lock (_gate)
        {
            foreach (var (temporary, final) in _finished)
            {
                string pending = PendingPath(final, checkpoint);
                File.Move(temporary, pending, overwrite: false);
                _pending.Add((checkpoint, pending, final));
            }

            _finished.Clear();
        }
    }

    /// <summary>Checkpoint <paramref name="checkpoint"/> is stored: its pending files, and earlier ones', become visible.</summary>
    public void Commit(long checkpoint)
    {
        lock (_gate)
        {
            int done = 0;
            foreach (var (id, pending, final) in _pending)
            {
                if (id > checkpoint) break;
                Publish(pending, final);
                done++;
            }

            _pending.RemoveRange(0, done);
        }
    }

    /// <summary>The end of input: every finished and pending file becomes visible.</summary>
    public void CommitAll()
    {
        lock (_gate)
        {
            foreach (var (_, pending, final) in _pending) Publish(pending, final);
            _pending.Clear();
            foreach (var (temporary, final) in _finished) Publish(temporary, final);
            _finished.Clear();
        }
    }

    /// <summary>
    /// The run stores checkpoints and resumes from <paramref name="restoredCheckpoint"/> (null: from the start):
    /// switches to two-phase commit, publishes the pending files of checkpoints up to it, deletes later pending files
    /// and the in-progress files a crashed run left.
    /// </summary>
    public void Recover(long? restoredCheckpoint)
    {
        _twoPhase = true;
        if (!Directory.Exists(directory)) return;
        foreach (string path in Directory.EnumerateFiles(directory, ".*"))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(InProgress, StringComparison.Ordinal))
            {
                if (finalName.IsMatch(name[1..^InProgress.Length])) File.Delete(path);
                continue;
            }

            var match = PendingName.Match(name);
            if (!match.Success || !finalName.IsMatch(match.Groups["final"].Value)) continue;
            long checkpoint = long.Parse(match.Groups["checkpoint"].ValueSpan, CultureInfo.InvariantCulture);
            if (checkpoint <= restoredCheckpoint) Publish(path, Path.Combine(directory, match.Groups["final"].Value));
            else File.Delete(path);
        }
    }

    /// <summary>The run failed or was cancelled: finished files no checkpoint pre-committed are deleted; pending ones stay for the next run's recovery.</summary>
    public void DiscardUnpublished()
    {
        lock (_gate)
        {
            foreach (var (temporary, _) in _finished) File.Delete(temporary);
            _finished.Clear();
        }
    }

    private static void Publish(string from, string final)
    {
        if (File.Exists(final))
        {
            throw new IOException($"Cannot publish '{from}' as '{final}': a file of that name exists. Another writer uses this directory and file prefix; give each sink its own.");
        }

        File.Move(from, final, overwrite: false);
    }
}
