using Parquet;
using Parquet.Schema;

namespace Pipelines.Files.Reading;

/// <summary>
/// A bounded source over Parquet files (a path or a pattern, in path order): one row group at a time is read,
/// column by column, and handed out as records, so memory holds one row group, not the file.
/// </summary>
internal sealed class ParquetFileSource(FilePattern pattern, string name) : Source<ParquetRecord>
{
    public override string Name => name;

    public override bool IsBounded => true;

    public override ValueTask<SourceReader<ParquetRecord>> OpenAsync(SourceContext context, CancellationToken cancellationToken)
    {
        // As the other file sources: a path that names nothing is a mistake, not an empty input.
        if (!pattern.HasWildcards && !File.Exists(pattern.FullPattern)) throw new FileNotFoundException($"The file '{pattern.FullPattern}' does not exist.", pattern.FullPattern);
        if (!Directory.Exists(pattern.Directory)) throw new DirectoryNotFoundException($"The directory '{pattern.Directory}' does not exist.");
        return new(new Reader(pattern.List(null)));
    }

    private sealed class Reader(List<string> files) : SourceReader<ParquetRecord>
    {
        private int _file = -1;
        private Stream? _stream;
        private ParquetReader? _reader;
        private ParquetColumn[] _columns = [];
        private DataField[] _fields = [];
        private int _rowGroup;
        private ParquetRecord[] _rows = [];
        private int _position;

        public override double? FractionRead => files.Count == 0 ? 1.0 : Math.Clamp((double)Math.Max(_file, 0) / files.Count, 0, 1);

        public override int TryRead(Span<ParquetRecord> destination)
        {
            int n = Math.Min(destination.Length, _rows.Length - _position);
            _rows.AsSpan(_position, n).CopyTo(destination);
            _position += n;
            return n;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            while (_position >= _rows.Length)
            {
                if (_reader is null || _rowGroup >= _reader.RowGroupCount)
                {
                    await CloseFileAsync().ConfigureAwait(false);
                    if (++_file >= files.Count) return false;
                    await OpenFileAsync(files[_file], cancellationToken).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    _rows = await ReadRowGroupAsync(_rowGroup++, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new InvalidDataException($"'{files[_file]}': row group {_rowGroup - 1} could not be read: {ex.Message}", ex);
                }

                _position = 0;
            }
            return true;
        }

        private async Task OpenFileAsync(string path, CancellationToken cancellationToken)
        {
            _stream = File.OpenRead(path);
            try
            {
                _reader = await ParquetReader.CreateAsync(_stream, new ParquetOptions { UseDateOnlyTypeForDates = true }, false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidDataException($"'{path}' is not a readable Parquet file: {ex.Message}", ex);
            }
            _fields = _reader.Schema.GetDataFields();
            _columns = _fields.Select(f => new ParquetColumn(f.Name, ParquetTypes.ToColumnType(f, path))).ToArray();
            _rowGroup = 0;
        }

        private async Task<ParquetRecord[]> ReadRowGroupAsync(int index, CancellationToken cancellationToken)
        {
            using var group = _reader!.OpenRowGroupReader(index);
            int rows = checked((int)group.RowCount);
            var columns = new object?[_fields.Length][];
            for (int c = 0; c < _fields.Length; c++)
            {
                columns[c] = await ParquetTypes.ReadColumnAsync(group, _fields[c], _columns[c].Type, rows, cancellationToken).ConfigureAwait(false);
            }
            var records = new ParquetRecord[rows];
            for (int r = 0; r < rows; r++)
            {
                var values = new object?[_fields.Length];
                for (int c = 0; c < values.Length; c++) values[c] = columns[c][r];
                records[r] = new ParquetRecord(_columns, values);
            }
            return records;
        }

        private async ValueTask CloseFileAsync()
        {
            if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
            _reader = null;
            if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }

        public override async ValueTask DisposeAsync()
        {
            await CloseFileAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
