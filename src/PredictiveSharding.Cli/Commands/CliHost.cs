using System.CommandLine;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Parses the command line and runs the command it names; returns the exit code.</summary>
/// <remarks>
/// Exit codes: 0 done; 1 <c>move-check</c> found a lost write, a stale read or a double-owned key; 2 bad input (or a
/// check that could not run, no verdict); 130 cancelled (Ctrl+C); <see cref="CrashExitCode"/> (70, sysexits'
/// EX_SOFTWARE) an exception no command expected, a defect in psharding. System.CommandLine's own handler printed
/// such an exception's stack trace and exited 1, which <c>move-check</c> uses for "a write was lost": a crash read as
/// a verdict.
/// </remarks>
internal static class CliHost
{
    /// <summary>The exit code of an unexpected exception: sysexits' EX_SOFTWARE, distinct from every verdict and from bad input.</summary>
    public const int CrashExitCode = 70;

    /// <summary>The environment variable that, set to 1 or true, adds the stack trace to an unexpected exception's one line.</summary>
    public const string StackTraceVariable = "PSHARDING_STACK_TRACE";

    /// <summary>Whether <see cref="StackTraceVariable"/> asks for stack traces in this process.</summary>
    public static bool StackTraceRequested =>
        Environment.GetEnvironmentVariable(StackTraceVariable) is { } value && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="root"/> and invokes the command, writing errors to
    /// <paramref name="error"/>; an unexpected exception is one line there (and its stack trace when
    /// <paramref name="stackTrace"/>), with exit code <see cref="CrashExitCode"/>.
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter error, bool stackTrace = false)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(error);
        var parsed = root.Parse(args);
        var name = parsed.CommandResult.Command == root ? "psharding" : "psharding " + parsed.CommandResult.Command.Name;

        // A value that does not parse or an unknown option is bad input like any other: exit code 2 and the reason on stderr,
        // not System.CommandLine's exit code 1 with the help on stdout (where --json promises exactly one JSON object).
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
            {
                await error.WriteLineAsync("psharding: " + e.Message).ConfigureAwait(false);
            }

            await error.WriteLineAsync($"'{name} --help' lists the options.").ConfigureAwait(false);
            return 2;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = error }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The commands report their own cancellation; this is one that escaped them (Ctrl+C at an unguarded point).
            await error.WriteLineAsync($"{name}: cancelled.").ConfigureAwait(false);
            return SimulateCommand.CancelledExitCode;
        }
        catch (Exception e)
        {
            // Everything but the process's own end: the user gets what went wrong in a line, and a way to the details.
            await error.WriteLineAsync($"{name}: unexpected error ({e.GetType().Name}): {CliErrorText.Of(e)} This is a defect in psharding; set {StackTraceVariable}=1 for the stack trace.").ConfigureAwait(false);
            if (stackTrace)
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return CrashExitCode;
        }
    }
}
