namespace Pipelines.Files.Writing;

/// <summary>A file format for writing: the file extension, and a writer of records into one file's staging buffer.</summary>
internal abstract class RecordOutput<T>
{
    /// <summary>The file name extension, with its dot.</summary>
    public abstract string Extension { get; }

    /// <summary>Starts a file whose bytes go to <paramref name="staging"/> (a header, if the format has one, is written now).</summary>
    public abstract IRecordFileWriter<T> Start(MemoryStream staging);
}

/// <summary>Writes records of one file into its staging buffer.</summary>
internal interface IRecordFileWriter<in T> : IDisposable
{
    /// <summary>Appends one record. On an exception nothing of it stays in the buffer.</summary>
    void Write(T item);
}
