using System.CommandLine;
using System.Runtime.InteropServices;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Parses the command line and runs the command it names; returns the exit code.</summary>
/// <remarks>
/// Exit codes: 0 done; 1 <c>move-check</c> found a lost write, a stale read or a double-owned key; 2 bad input (or a
/// check that could not run, no verdict); 130 cancelled by the user (Ctrl+C or SIGTERM); <see cref="CrashExitCode"/> (70, sysexits'
/// EX_SOFTWARE) an exception no command expected, a defect in psharding, an <see cref="OperationCanceledException"/>
/// the user did not cause (an internal time limit's) included. System.CommandLine's own handler printed
/// such an exception's stack trace and exited 1, which <c>move-check</c> uses for "a write was lost": a crash read as
/// a verdict.
/// </remarks>
internal static class CliHost
{
    /// <summary>The exit code of an unexpected exception: sysexits' EX_SOFTWARE, distinct from every verdict and from bad input.</summary>
    public const int CrashExitCode = 70;

    /// <summary>
    /// How long a command cancelled by a signal has to end before psharding exits anyway with 130 (System.CommandLine's
    /// default grace, which it gave before psharding handled the signals itself).
    /// </summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(2);

    /// <summary>The environment variable that, set to 1 or true, adds the stack trace to an unexpected exception's one line.</summary>
    public const string StackTraceVariable = "PSHARDING_STACK_TRACE";

    /// <summary>Whether <see cref="StackTraceVariable"/> asks for stack traces in this process.</summary>
    public static bool StackTraceRequested =>
        Environment.GetEnvironmentVariable(StackTraceVariable) is { } value && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="root"/> and invokes the command, writing errors to
    /// <paramref name="error"/>; an unexpected exception is one line there (and its stack trace when
    /// <paramref name="stackTrace"/>), with exit code <see cref="CrashExitCode"/>. Ctrl+C (SIGINT) and SIGTERM, or
    /// <paramref name="cancellationToken"/>, are the user's cancel: the command's token is cancelled, and a command that
    /// has not ended <see cref="CancelGrace"/> after a signal is left with exit code 130.
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter error, bool stackTrace = false, CancellationToken cancellationToken = default)
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

        // The signals are handled here rather than by System.CommandLine (ProcessTerminationTimeout off), so that an
        // OperationCanceledException escaping the command can be told apart: this source is cancelled by the user's cancel
        // before the command's token, which System.CommandLine links to it, so a cancellation the user caused is always
        // seen here. With System.CommandLine's handler the command could be cancelled, and its exception arrive here,
        // before a handler of ours had run; so every escaping cancellation was taken for Ctrl+C, an internal timeout's too.
        using var userCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var interrupt = OnSignal(PosixSignal.SIGINT, userCancel, signalled);
        using var terminate = OnSignal(PosixSignal.SIGTERM, userCancel, signalled);
        try
        {
            var invocation = parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = error, ProcessTerminationTimeout = null }, userCancel.Token);
            if (await Task.WhenAny(invocation, GraceAfter(signalled.Task)).ConfigureAwait(false) != invocation)
            {
                // A command that does not stop when asked: the process ends anyway, as it did under System.CommandLine.
                await error.WriteLineAsync($"{name}: cancelled.").ConfigureAwait(false);
                return SimulateCommand.CancelledExitCode;
            }

            return await invocation.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (userCancel.IsCancellationRequested)
        {
            // The commands report their own cancellation; this is one that escaped them (Ctrl+C at an unguarded point).
            await error.WriteLineAsync($"{name}: cancelled.").ConfigureAwait(false);
            return SimulateCommand.CancelledExitCode;
        }
        catch (Exception e)
        {
            // Everything but the process's own end, and any cancellation the user did not ask for (a time limit inside a
            // command): the user gets what went wrong in a line, and a way to the details.
            await error.WriteLineAsync($"{name}: unexpected error ({e.GetType().Name}): {CliErrorText.Of(e)} This is a defect in psharding; set {StackTraceVariable}=1 for the stack trace.").ConfigureAwait(false);
            if (stackTrace)
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return CrashExitCode;
        }
    }

    /// <summary>
    /// Handles <paramref name="signal"/> as the user's cancel: the process is kept alive (the command ends itself), and
    /// <paramref name="userCancel"/> is cancelled after <paramref name="signalled"/> is set. Null where signals cannot be
    /// handled (the process then ends as it would without psharding's handler).
    /// </summary>
    private static PosixSignalRegistration? OnSignal(PosixSignal signal, CancellationTokenSource userCancel, TaskCompletionSource signalled)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                signalled.TrySetResult();
                try
                {
                    userCancel.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The signal came as the run ended: there is nothing left to cancel.
                }
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Completes <see cref="CancelGrace"/> after <paramref name="signalled"/>; never when no signal comes.</summary>
    private static async Task GraceAfter(Task signalled)
    {
        await signalled.ConfigureAwait(false);
        await Task.Delay(CancelGrace).ConfigureAwait(false);
    }
}
