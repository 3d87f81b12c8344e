namespace Pipelines.Files.Reading;

/// <summary>
/// The rotation rules of <see cref="FileSourceReader{T}"/>: where a file rotated out of the pattern went, how long its
/// rest is read, what waits for it, and how a checkpoint's rotated files are found again at start.
/// </summary>
internal sealed partial class FileSourceReader<T>
{
    /// <summary>
    /// Follow: the saved files that no longer match the pattern were rotated out of it — during the last run (the
    /// checkpoint has their new name) or while no run was reading — and the lines written to them before (or while)
    /// they were rotated are still to be read. Each is looked for beside the pattern's files (<see cref="FilePattern.RotatedCandidates"/>,
    /// its saved path first) by its fingerprint, and read on from where it was left as a rotated file. Only a file
    /// identified by a full <see cref="FileCursor.PrefixLength"/> bytes is looked for: a shorter identity (a file
    /// that held a CSV header alone) would match unrelated files, whose rows would be read as its rest.
    /// </summary>
    private async ValueTask ResumeRotatedAsync(List<FileOffset> saved, List<string> listed, CancellationToken cancellationToken)
    {
        var matched = new HashSet<string>(listed, StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var resumed = new List<SourceFile<T>>();
        try
        {
            foreach (var entry in saved)
            {
                if (entry.PrefixLength < FileCursor.PrefixLength) continue;
                var candidates = pattern.RotatedCandidates(entry.Path, Math.Max(entry.Offset, entry.PrefixLength), matched, CheckpointPath);
                foreach (string path in candidates.OrderBy(p => string.Equals(p, entry.Path, StringComparison.Ordinal) ? 0 : 1))
                {
                    if (claimed.Contains(path) || !await TryHoldsAsync(path, entry, cancellationToken).ConfigureAwait(false)) continue;
                    SourceFile<T> file;
                    try
                    {
                        file = await OpenAsync(path, entry.Offset, entry.Line, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        continue;
                    }

                    // Its writer's new log: where the last run saw it rotated from, or (rotated while no run read it)
                    // its saved name when that is in the pattern.
                    string? from = entry.RotatedFrom ?? (matched.Contains(entry.Path) ? entry.Path : null);
                    file.Detach(context.TimeProvider.GetUtcNow(), from);
                    resumed.Add(file);
                    claimed.Add(path);
                    break;
                }
            }
        }
        catch
        {
            foreach (var file in resumed) file.Dispose();
            throw;
        }

        // A rotated file is older than whatever took its name: read first.
        lock (_gate) _files.InsertRange(0, resumed);
    }

    /// <summary>
    /// Follow: lost <paramref name="file"/> (no longer at its path, not found within the pattern) was rotated out of it.
    /// </summary>
    private async ValueTask DetachRotatedAsync(SourceFile<T> file, List<string> listed, HashSet<string> claimedOthers, CancellationToken cancellationToken)
    {
        // Rotated out of the pattern. Renamed or deleted: read on through the open handle. Truncated in place: the
        // handle shows the new content, which is read from its start as the path's new file. Either way the file
        // is looked for beside the pattern's files, when it has a full identity (a shorter one would match
        // unrelated files): renamed there, it is recorded under its new name; copied there before a
        // copy-then-truncate rotation emptied it, it is read on in the copy. What a checkpoint sees changes under
        // the lock, at once.
        string from = file.Cursor.Path;
        bool holds = await file.Cursor.HoldsItsContentAsync(cancellationToken).ConfigureAwait(false);
        string? rotatedTo = null;
        if (file.Cursor.Prefix.Length == FileCursor.PrefixLength)
        {
            var candidates = pattern.RotatedCandidates(from, file.Cursor.ReadOffset, listed, CheckpointPath);
            rotatedTo = await FindAsync(file.Cursor, candidates, claimedOthers, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (rotatedTo is not null && holds) file.Cursor.RenamedTo(rotatedTo);
            else if (rotatedTo is null || !TryMove(file.Cursor, rotatedTo))
            {
                rotatedTo = null;
                if (!holds) file.Cursor.MarkContentGone();
            }

            file.Detach(context.TimeProvider.GetUtcNow(), from);
        }

        if (rotatedTo is not null) claimedOthers.Add(rotatedTo);
    }

    /// <summary>Follow: a rotated file renamed (back) into the pattern is followed there again, not taken for a new file.</summary>
    private async ValueTask ReattachAsync(List<SourceFile<T>> rotated, List<string> listed, HashSet<string> claimed, CancellationToken cancellationToken)
    {
        foreach (var file in rotated)
        {
            if (file.Cursor.ContentGone || file.Cursor.Prefix.Length < FileCursor.PrefixLength) continue;
            string? back = await FindAsync(file.Cursor, listed, claimed, cancellationToken).ConfigureAwait(false);
            if (back is null) continue;
            lock (_gate)
            {
                if (!TryMove(file.Cursor, back)) continue;
                file.Attach();
            }

            claimed.Add(back);
        }
    }

    /// <summary>
    /// Whether the writer of rotated <paramref name="file"/> (at <paramref name="index"/>) writes to its new log: the
    /// file now at its old name, or one rotated from that name after it, has bytes.
    /// </summary>
    private bool WriterMovedOn(SourceFile<T> file, int index)
    {
        if (file.RotatedFrom is not { } from) return false;
        for (int i = index + 1; i < _files.Count; i++)
        {
            var other = _files[i];
            if (other.Detached ? string.Equals(other.RotatedFrom, from, StringComparison.Ordinal) : string.Equals(other.Cursor.Path, from, StringComparison.Ordinal))
            {
                if (other.Cursor.HasBytes()) return true;
            }
        }

        return false;
    }

    /// <summary>Whether a file before <paramref name="index"/> was rotated from the same name as rotated <paramref name="file"/>.</summary>
    private bool RotatedEarlier(SourceFile<T> file, int index)
    {
        if (file.RotatedFrom is not { } from) return false;
        for (int r = 0; r < index; r++)
        {
            if (string.Equals(_files[r].RotatedFrom, from, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>Whether live <paramref name="file"/> took the name of one of the first <paramref name="rotated"/> files, which are still being read.</summary>
    private bool IsHeldBack(SourceFile<T> file, int rotated)
    {
        for (int r = 0; r < rotated; r++)
        {
            if (string.Equals(_files[r].RotatedFrom, file.Cursor.Path, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>The first of <paramref name="paths"/>, not <paramref name="claimed"/>, that holds the file <paramref name="cursor"/> reads.</summary>
    private static async ValueTask<string?> FindAsync(FileCursor cursor, List<string> paths, HashSet<string> claimed, CancellationToken cancellationToken)
    {
        foreach (string path in paths)
        {
            if (!claimed.Contains(path) && await cursor.IsAtAsync(path, cancellationToken).ConfigureAwait(false)) return path;
        }

        return null;
    }

    private static bool TryMove(FileCursor cursor, string path)
    {
        try
        {
            cursor.MoveTo(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
