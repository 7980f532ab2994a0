using System.Globalization;
using System.Runtime.InteropServices;

namespace PredictiveSharding.Execution.Journal;

/// <summary>
/// Makes a directory's entries durable: a file created in it or renamed into it survives a power cut only once the
/// directory itself is synced, which .NET has no portable call for. On Linux, macOS and the BSDs the directory is opened
/// read-only and <c>fsync</c>ed (libc, through source-generated P/Invoke: no runtime marshalling, so trimming and AOT keep
/// it). On macOS <c>fsync</c> puts the entry in the file system's log but does not flush the drive's own write cache
/// (only <c>F_FULLFSYNC</c> does, through the variadic <c>fcntl</c>, which P/Invoke cannot call portably). On Windows
/// nothing is done: there a rename is <c>MoveFileEx</c> with <c>MOVEFILE_REPLACE_EXISTING</c> and NTFS
/// logs it as a metadata change, which the file system's log makes durable on its own schedule (typically within
/// seconds), not when the call returns.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY everywhere; opening a directory read-only needs no O_DIRECTORY

    // Some file systems cannot fsync a directory and say so with EBADF or EINVAL (the same values on Linux, macOS and
    // FreeBSD). As PostgreSQL's fsync_fname does, those are not failures: there is nothing more to make durable by this
    // call, and failing would stop every compaction of a journal that otherwise works.
    private const int BadDescriptor = 9;
    private const int Invalid = 22;

    // EINTR (the same value there too): a signal interrupted the call before it did anything; it is simply made again.
    private const int Interrupted = 4;

    /// <summary>Whether <see cref="Sync"/> syncs on this operating system (false on Windows, where it does nothing).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>Syncs <paramref name="directory"/> (see the class remarks).</summary>
    /// <exception cref="IOException">The directory could not be opened or synced; the message names it and the system error.</exception>
    public static void Sync(string directory)
    {
        if (!IsSupported)
        {
            return;
        }

        var path = Marshal.StringToCoTaskMemUTF8(directory);
        try
        {
            int descriptor;
            do
            {
                descriptor = Open(path, ReadOnly);
            }
            while (descriptor < 0 && Marshal.GetLastPInvokeError() == Interrupted);

            if (descriptor < 0)
            {
                throw Failure("open", directory, Marshal.GetLastPInvokeError());
            }

            try
            {
                int result;
                do
                {
                    result = FSync(descriptor);
                }
                while (result != 0 && Marshal.GetLastPInvokeError() == Interrupted);

                if (result != 0 && Marshal.GetLastPInvokeError() is var errno && errno is not (BadDescriptor or Invalid))
                {
                    throw Failure("fsync", directory, errno);
                }
            }
            finally
            {
                _ = Close(descriptor);
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }
    }

    private static IOException Failure(string call, string directory, int errno) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Could not sync the directory '{directory}' ({call} failed with errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}); a file just created or renamed in it may not survive a power cut."), errno);

    // The path is passed as a pointer to UTF-8 bytes the caller allocated, so every parameter is blittable and the
    // generated stub needs neither runtime marshalling nor unsafe code.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(nint path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
