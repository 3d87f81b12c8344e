using System.Runtime.InteropServices;

namespace Pipelines.Checkpoints.Storage;

/// <summary>
/// Flushes a directory's entries to disk (POSIX <c>fsync</c> on the directory), so a file created or renamed in
/// it survives a crash of the machine, not only its data: on Linux and macOS a rename is durable only once its
/// directory is flushed. Elsewhere (Windows, where a directory cannot be opened for a flush, and NTFS journals its
/// metadata) it does nothing.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;
    private const int Interrupted = 4;
    private const int BadDescriptor = 9;
    private const int Invalid = 22;
    private const int NotSupported = 95;

    private static bool s_unavailable;

    /// <summary>True where directories can be flushed (Linux, macOS, FreeBSD).</summary>
    public static bool Supported =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()) && !Volatile.Read(ref s_unavailable);

    /// <summary>
    /// Flushes <paramref name="path"/>'s entries to disk. A file system that cannot flush a directory (it reports
    /// EINVAL, EBADF or ENOTSUP) is taken as one that needs none; any other failure throws, so a checkpoint whose
    /// manifest may not be durable fails instead of being reported complete.
    /// </summary>
    /// <param name="path">An existing directory.</param>
    /// <exception cref="IOException">The directory cannot be opened or flushed.</exception>
    public static void Flush(string path)
    {
        if (!Supported) return;
        int fd;
        try
        {
            fd = Open(path, ReadOnly | (OperatingSystem.IsLinux() ? CloseOnExec : 0));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_unavailable, true);
            return;
        }

        if (fd < 0) throw new IOException($"Cannot open directory '{path}' to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            int result;
            do
            {
                result = Fsync(fd);
            }
            while (result != 0 && Marshal.GetLastPInvokeError() == Interrupted);

            if (result != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is not (Invalid or BadDescriptor or NotSupported))
                {
                    throw new IOException($"Cannot flush directory '{path}' to disk (errno {errno}): the checkpoint written in it may not survive a crash.");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
