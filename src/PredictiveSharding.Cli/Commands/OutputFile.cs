using System.Runtime.InteropServices;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Writing an output file whole. A regular file (or a new one) is written to a temporary file in its own folder,
/// flushed to disk and renamed over it, so that a full disk, a crash or Ctrl+C part-way leaves either the previous file
/// or the new one, never a cut-off one; a link is followed, so the file it points at is replaced and the link stays.
/// A device, pipe or socket (<c>/dev/null</c>, <c>/dev/stdout</c>, a shell's <c>&gt;(gzip &gt; u.csv.gz)</c>) cannot be
/// renamed over (the rename would put a plain file in its place): it is written to a temporary file in the system's
/// temporary folder first and then copied into it, so that what goes into it is at least complete when it starts.
/// </summary>
internal static class OutputFile
{
    /// <summary>Writes <paramref name="path"/> whole: <paramref name="write"/> writes the content to the file it is given, then it is put in place.</summary>
    /// <exception cref="IOException">A file cannot be written, or its folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">A file or folder may not be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the file was in place; an existing file is left as it was.</exception>
    public static void Replace(string path, Action<string, CancellationToken> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        if (IsSpecial(path))
        {
            CopyInto(path, write, cancellationToken);
            return;
        }

        // FileInfo.LinkTarget is null for a path that is no link or does not exist (ResolveLinkTarget throws for the latter).
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        var folder = Path.GetDirectoryName(target) ?? ".";
        // Hidden, and with the target's extension last: a writer may choose the format by it (ScottPlot's SavePng does).
        var temporary = Path.Combine(folder, "." + Path.GetFileNameWithoutExtension(target) + "." + Guid.NewGuid().ToString("N") + ".tmp" + Path.GetExtension(target));
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            write(temporary, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // On disk before the rename: otherwise a power cut soon after can leave the renamed file empty.
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                // The file replaced keeps its permissions (a temporary file gets the umask's).
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            // Gone after the rename; left behind by a failed or cancelled write otherwise.
            DeleteQuietly(temporary);
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> names an existing file that is not a regular one (a device, pipe or socket; links
    /// followed). Where the file type cannot be read (no <c>statx</c>: not Linux), a path under <c>/dev/</c> counts as one.
    /// </summary>
    internal static bool IsSpecial(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var buffer = new byte[256];
                if (NativeMethods.Statx(NativeMethods.AtFdCwd, path, 0, NativeMethods.StatxType, buffer) == 0)
                {
                    var mode = BitConverter.ToUInt16(buffer, NativeMethods.StatxModeOffset);
                    return (mode & NativeMethods.FileTypeMask) is not (NativeMethods.RegularFile or NativeMethods.Directory);
                }

                return false; // No such file (or none that can be seen): a new regular file is made.
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // A C library without statx (glibc before 2.28, older musl): judged by the path below.
            }
        }

        return !OperatingSystem.IsWindows() && Path.GetFullPath(path).StartsWith("/dev/", StringComparison.Ordinal);
    }

    private static void CopyInto(string path, Action<string, CancellationToken> write, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetTempPath(), "psharding-" + Guid.NewGuid().ToString("N") + Path.GetExtension(path));
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            write(temporary, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // From here on the copy runs to its end (it takes as long as writing the bytes once), within the grace
            // psharding gives a command cancelled by a signal (CliHost.CancelGrace).
            using var source = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var target = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            source.CopyTo(target);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>Deletes a temporary file; one that cannot be deleted is left (the write's own outcome is what is reported).</summary>
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done about it here; the reason for a failed write is what the user needs.
        }
    }

    /// <summary>Linux's <c>statx</c>, the one stat whose structure is the same on every architecture.</summary>
    private static class NativeMethods
    {
        public const int AtFdCwd = -100;
        public const uint StatxType = 0x1;
        public const int StatxModeOffset = 28; // u32 mask, u32 blksize, u64 attributes, u32 nlink, uid, gid; then u16 mode
        public const int FileTypeMask = 0xF000;
        public const int RegularFile = 0x8000;
        public const int Directory = 0x4000;

        [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Statx(int directory, string path, int flags, uint mask, byte[] buffer);
    }
}
