using Parquet;
using Parquet.Schema;

namespace Pipelines.Files.Writing;

/// <summary>
/// A rolling Parquet sink: records are buffered into row groups of <c>rowGroupSize</c>; a file is written under a
/// hidden temporary name and renamed when it is finished — at <see cref="FileSinkOptions.MaxFileBytes"/>, at a
/// checkpoint, or at the end of input — so readers never see half a file. A failed run deletes its unfinished file.
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
        Directory.CreateDirectory(Folder);
        return new(new Writer(this));
    }

    private sealed class Writer(ParquetFileSink sink) : SinkWriter<ParquetRecord>
    {
        private readonly ParquetSchema _schema = new(sink.Columns.Select(ParquetTypes.ToField).ToArray());
        private readonly List<ParquetRecord> _buffer = [];
        private FileStream? _file;
        private ParquetWriter? _writer;
        private string? _temporary;
        private int _sequence;

        public override async ValueTask WriteAsync(ReadOnlyMemory<ParquetRecord> items, CancellationToken cancellationToken)
        {
            for (int i = 0; i < items.Length; i++)
            {
                var record = items.Span[i];
                if (record.Values.Count != sink.Columns.Count)
                {
                    throw new ArgumentException($"Parquet sink '{sink.Name}' has {sink.Columns.Count} columns, but a record has {record.Values.Count} values.");
                }
                _buffer.Add(record);
                if (_buffer.Count >= sink.RowGroupSize) await WriteRowGroupAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public override async ValueTask FlushAsync(CancellationToken cancellationToken) => await FinishFileAsync(cancellationToken).ConfigureAwait(false);

        public override async ValueTask CompleteAsync(CancellationToken cancellationToken) => await FinishFileAsync(cancellationToken).ConfigureAwait(false);

        public override async ValueTask AbortAsync(Exception error)
        {
            if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
            if (_file is not null) await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
            if (_temporary is not null) File.Delete(_temporary);
            _temporary = null;
        }

        private async Task WriteRowGroupAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Count == 0) return;
            if (_writer is null)
            {
                _temporary = Path.Combine(sink.Folder, $".{sink.Options.FilePrefix}-{Guid.NewGuid():N}.parquet.tmp");
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
            await _file!.DisposeAsync().ConfigureAwait(false);
            _file = null;
            string final;
            do final = Path.Combine(sink.Folder, $"{sink.Options.FilePrefix}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{_sequence++:D4}-{Guid.NewGuid().ToString("N")[..6]}.parquet");
            while (File.Exists(final));
            File.Move(_temporary!, final);
            _temporary = null;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_temporary is not null) await AbortAsync(new OperationCanceledException()).ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
