namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Checks of the paths the options name, worded for a command-line user. A folder where a file is expected is said to
/// be a folder: <see cref="File.Exists"/> is false for one, so an input was said not to exist, and opening one fails
/// with "Access to the path is denied", which sent the user after permissions.
/// </summary>
internal static class CliPaths
{
    /// <summary>Throws unless <paramref name="path"/> names an existing file.</summary>
    /// <exception cref="FileNotFoundException">No file there: nothing at all, or a folder (the message says which).</exception>
    public static void RequireInputFile(string flag, string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        throw new FileNotFoundException(
            Directory.Exists(path) ? $"{flag}: '{path}' is a folder, not a file; name a file in it." : $"{flag}: file '{path}' does not exist.",
            path);
    }

    /// <summary>The message for an output path that names an existing folder, or null when it does not.</summary>
    public static string? FolderInsteadOfFile(string flag, string path) =>
        Directory.Exists(path) ? $"{flag}: '{path}' is a folder, not a file; name the file to write (in it or elsewhere)." : null;

    /// <summary>
    /// The message for an output path whose folder does not exist, or null when it does. <paramref name="path"/> must be
    /// a path (not empty, no NUL), which <see cref="Path.GetFullPath(string)"/> refuses with a message naming neither.
    /// </summary>
    public static string? MissingFolder(string flag, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        return folder is not null && !Directory.Exists(folder) ? $"{flag}: the folder of '{path}' ('{folder}') does not exist." : null;
    }
}
