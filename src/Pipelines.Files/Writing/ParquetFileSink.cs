using System.Text.RegularExpressions;
using Parquet;
using Parquet.Schema;

namespace Pipelines.Files.Writing;

/// <summary>
/// A rolling Parquet sink: records are buffered into row groups of <c>rowGroupSize</c>; a file is written under a
/// hidden temporary name and finished — at <see cref="FileSinkOptions.MaxFileBytes"/>, at a checkpoint, or at the
/// end of input — so readers never see half a file; <see cref="PartCommitter"/> renames it to its final name at once,
/// or, in a run that stores checkpoints, when the checkpoint covering it is stored. A failed run deletes its
/// unfinished file.
/// </summary>
internal sealed class ParquetFileSink(string directory, IReadOnlyList<ParquetColumn> columns, FileSinkOptions options, int rowGroupSize, string name) : Sink<ParquetRecord>
{
    private string Folder { get; } = directory;

    private IReadOnlyList<ParquetColumn> Columns { get; } = columns;

    private FileSinkOptions Options { get; } = options;

    private int RowGroupSize { get; } = rowGroupSize;

    public override string Name { get; } = name;

    public override ValueTask<SinkWriter<ParquetRecord>> OpenAsync(CancellationToken cancellationToken)
    {
        // One run at a time per directory and prefix, as for the other file sinks: a second run's recovery would
        // delete the first one's unfinished and pending files.
        var claim = EarlierOutput.Claim(Folder, Options.FilePrefix, ".parquet", () =>
            $"Sink '{Name}': another run is writing '{Options.FilePrefix}-*.parquet' files into '{Folder}'. Run one at a time, or give each run its own directory or FilePrefix.");
        try
        {
            Directory.CreateDirectory(Folder);
            var finalName = new Regex($"^{Regex.Escape(Options.FilePrefix)}-.+\\.parquet$", RegexOptions.CultureInvariant);
            var replaced = Options.ReplaceEarlierOutput ? EarlierFiles(finalName) : [];
            return new(new Writer(this, new PartCommitter(Folder, finalName), replaced, claim));
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    /// <summary>The files of earlier runs: finished ones, and the hidden ones a crashed run left behind.</summary>
    private List<string> EarlierFiles(Regex finalName) =>
        [.. Directory.EnumerateFiles(Folder).Where(file => finalName.IsMatch(PartCommitter.HiddenFinalName(Path.GetFileName(file)) ?? Path.GetFileName(file)))];

    private sealed class Writer(ParquetFileSink sink, PartCommitter committer, IReadOnlyList<string> replaced, IDisposable claim) : SinkWriter<ParquetRecord>
    {
        /// <summary>The earlier runs' files this run deletes once it succeeds (<see cref="FileSinkOptions.ReplaceEarlierOutput"/>).</summary>
        private IReadOnlyList<string> _replaced = replaced;

        private readonly ParquetSchema _schema = new(sink.Columns.Select(ParquetTypes.ToField).ToArray());
        private readonly List<ParquetRecord> _buffer = [];
        private FileStream? _file;
        private ParquetWriter? _writer;
        private string? _temporary;
        private string? _final;
        private int _sequence;

        public override async ValueTask WriteAsync(ReadOnlyMemory<ParquetRecord> items, CancellationToken cancellationToken)
        {
            for (int i = 0; i < items.Length; i++)
            {
                ParquetRecord record;
                try
                {
                    record = Conform(items.Span[i]);
                }
                catch (ArgumentException ex)
                {
                    // Checked as it comes, so a bad record follows the error policy as itself, not as a failed row group later.
                    throw new SinkElementException(i, items.Span[i], ex);
                }

                _buffer.Add(record);
                if (_buffer.Count >= sink.RowGroupSize) await WriteRowGroupAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The record with its values in the sink's column order — matched by name when its columns are the sink's in
        /// another order (records read from another file) — each null or of its column's type.
        /// </summary>
        private ParquetRecord Conform(ParquetRecord record)
        {
            var columns = sink.Columns;
            var values = record.Values;
            if (!SameNamesInOrder(record.Columns, columns))
            {
                var reordered = new object?[columns.Count];
                var seen = new bool[record.Columns.Count];
                for (int c = 0; c < columns.Count; c++)
                {
                    int at = IndexOf(record.Columns, columns[c].Name);
                    if (at < 0 || seen[at])
                    {
                        throw new ArgumentException(
                            $"Parquet sink '{sink.Name}' writes columns ({string.Join(", ", columns.Select(k => k.Name))}), but a record has ({string.Join(", ", record.Columns.Select(k => k.Name))}): no column '{columns[c].Name}'.");
                    }

                    seen[at] = true;
                    reordered[c] = values[at];
                }

                if (record.Columns.Count != columns.Count)
                {
                    throw new ArgumentException(
                        $"Parquet sink '{sink.Name}' writes columns ({string.Join(", ", columns.Select(k => k.Name))}), but a record has more: ({string.Join(", ", record.Columns.Select(k => k.Name))}); select the sink's columns first.");
                }

                record = new ParquetRecord(columns, reordered);
                values = reordered;
            }

            for (int c = 0; c < columns.Count; c++)
            {
                if (values[c] is { } value && value.GetType() != columns[c].Type)
                {
                    throw new ArgumentException($"Parquet sink '{sink.Name}': column '{columns[c].Name}' holds {columns[c].Type.Name}, but the record has {value.GetType().Name} ({value}).");
                }
            }

            return record;

            static bool SameNamesInOrder(IReadOnlyList<ParquetColumn> a, IReadOnlyList<ParquetColumn> b)
            {
                if (ReferenceEquals(a, b)) return true;
                if (a.Count != b.Count) return false;
                for (int c = 0; c < a.Count; c++)
                {
                    if (!string.Equals(a[c].Name, b[c].Name, StringComparison.OrdinalIgnoreCase)) return false;
                }

                return true;
            }

            static int IndexOf(IReadOnlyList<ParquetColumn> columns, string name)
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    if (string.Equals(columns[c].Name, name, StringComparison.OrdinalIgnoreCase)) return c;
                }

                return -1;
            }
        }

        public override async ValueTask FlushAsync(CancellationToken cancellationToken) => await FinishFileAsync(cancellationToken).ConfigureAwait(false);

        public override async ValueTask PreCommitAsync(long checkpointId, CancellationToken cancellationToken)
        {
            await FinishFileAsync(cancellationToken).ConfigureAwait(false);
            committer.PreCommit(checkpointId);
        }

        public override ValueTask CommitCheckpointAsync(long checkpointId, CancellationToken cancellationToken)
        {
            committer.Commit(checkpointId);
            return default;
        }

        public override ValueTask StartCheckpointsAsync(SinkCheckpointContext context, CancellationToken cancellationToken)
        {
            MovingStateRefusal.ThrowIfAfterMovingState(context, sink.Name);
            return base.StartCheckpointsAsync(context, cancellationToken);
        }

        /// <summary>A restored run keeps the directory's files even when it replaces earlier output: its checkpoints committed some of them.</summary>
        public override ValueTask RecoverAsync(long? restoredCheckpointId, CancellationToken cancellationToken)
        {
            committer.Recover(restoredCheckpointId);
            if (restoredCheckpointId is not null) _replaced = [];
            return default;
        }

        public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await FinishFileAsync(cancellationToken).ConfigureAwait(false);
            committer.CommitAll();
            EarlierOutput.Delete(sink.Folder, _replaced);
        }

        public override async ValueTask AbortAsync(Exception error)
        {
            if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
            if (_file is not null) await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
            if (_temporary is not null) File.Delete(_temporary);
            _temporary = null;
            committer.DiscardUnpublished();
        }

        private async Task WriteRowGroupAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Count == 0) return;
            if (_writer is null)
            {
                // The final name is chosen now, so a file pending a checkpoint's commit keeps it across a restart.
                _final = Path.Combine(sink.Folder, $"{sink.Options.FilePrefix}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{_sequence++:D4}-{Guid.NewGuid().ToString("N")[..8]}.parquet");
                _temporary = PartCommitter.TemporaryPath(_final);
                _file = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite);
                _writer = await ParquetWriter.CreateAsync(_schema, _file, null, false, cancellationToken).ConfigureAwait(false);
            }
            using (var group = _writer.CreateRowGroup())
            {
                var fields = _schema.GetDataFields();
                for (int c = 0; c < fields.Length; c++)
                {
                    await ParquetTypes.WriteColumnAsync(group, fields[c], sink.Columns[c], _buffer, c, cancellationToken).ConfigureAwait(false);
                }
            }
            _buffer.Clear();
            if (sink.Options.MaxFileBytes is long max && _file!.Length >= max) await FinishFileAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task FinishFileAsync(CancellationToken cancellationToken)
        {
            await WriteRowGroupAsync(cancellationToken).ConfigureAwait(false);
            if (_writer is null) return;
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
            _file!.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
            string temporary = _temporary!;
            _temporary = null;
            committer.Finished(temporary, _final!);
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await AbortAsync(new OperationCanceledException()).ConfigureAwait(false);
            }
            finally
            {
                claim.Dispose();
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
