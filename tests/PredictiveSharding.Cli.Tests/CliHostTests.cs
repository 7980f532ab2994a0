using System.CommandLine;
using System.Diagnostics;
using PredictiveSharding.Cli.Commands;

namespace PredictiveSharding.Cli.Tests;

public sealed class CliHostTests
{
    [Test]
    public async Task RunAsync_WhenACommandThrowsUnexpectedly_ExitsWithTheCrashCodeAndOneLine()
    {
        // System.CommandLine's handler printed the stack trace and exited 1, which move-check uses for "a write was
        // lost": a crash read as a verdict.
        using var error = new StringWriter();

        var code = await CliHost.RunAsync(Root(), ["boom"], error);

        Assert.That(code, Is.EqualTo(CliHost.CrashExitCode));
        Assert.That(code, Is.Not.EqualTo(0).And.Not.EqualTo(1).And.Not.EqualTo(2).And.Not.EqualTo(130));
        var text = error.ToString().Trim();
        Assert.That(text, Does.Contain("psharding boom:").And.Contain("kaput").And.Contain(CliHost.StackTraceVariable));
        Assert.That(text, Does.Not.Contain("\n").And.Not.Contain("   at "), "one line, no stack trace");
    }

    [Test]
    public async Task RunAsync_WhenACommandThrowsUnexpectedlyWithStackTracesOn_PrintsTheStackTraceToo()
    {
        using var error = new StringWriter();

        var code = await CliHost.RunAsync(Root(), ["boom"], error, stackTrace: true);

        Assert.That(code, Is.EqualTo(CliHost.CrashExitCode));
        Assert.That(error.ToString(), Does.Contain("kaput").And.Contain("   at "));
    }

    [Test]
    public async Task RunAsync_WhenACancellationNobodyAskedForEscapesTheCommand_ExitsWithTheCrashCode()
    {
        // 130 says the user pressed Ctrl+C; an internal timeout's OperationCanceledException is a defect like any other.
        using var error = new StringWriter();

        var code = await CliHost.RunAsync(Root(), ["timeout"], error);

        Assert.That(code, Is.EqualTo(CliHost.CrashExitCode));
        Assert.That(error.ToString(), Does.Contain("psharding timeout: unexpected error").And.Contain("TaskCanceledException").And.Not.Contain("cancelled."));
    }

    [Test]
    public async Task RunAsync_WhenTheUsersCancellationEscapesTheCommand_ExitsWith130SayingSo()
    {
        // The user's cancel (Ctrl+C, standing in for it here the caller's token) cancelled while the command ran.
        using var error = new StringWriter();
        using var user = new CancellationTokenSource();

        var code = await CliHost.RunAsync(Root(user), ["wait"], error, cancellationToken: user.Token);

        Assert.That(code, Is.EqualTo(130));
        Assert.That(error.ToString().Trim(), Is.EqualTo("psharding wait: cancelled."));
    }

    [Test]
    public async Task Psharding_OnCtrlC_CancelsTheRunningCommandWhichExitsWith130()
    {
        // psharding handles SIGINT itself (to tell the user's cancel from other cancellations): the command must still get
        // it as a cancel and report it, not be killed by the signal's default action (no "cancelled" line then).
        Assume.That(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "the signal is sent with kill(1)");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "psharding.dll"));
        start.ArgumentList.Add("simulate");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start psharding.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15)); // a guard against a hung process only
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);

        // The replay has started once the trace is read: the command is running, its signal handlers in place.
        var seen = new List<string>();
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (line.StartsWith("simulate: [", StringComparison.Ordinal))
            {
                break;
            }
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        var rest = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.That(process.ExitCode, Is.EqualTo(130), string.Join('\n', seen) + rest);
        Assert.That(rest, Does.Contain("simulate: cancelled"));
        Assert.That(await stdout, Is.Empty);
    }

    private static RootCommand Root(CancellationTokenSource? user = null)
    {
        var boom = new Command("boom");
        boom.SetAction((ParseResult _, CancellationToken _) => Task.FromException<int>(new InvalidOperationException("kaput")));

        // A stage's own time limit running out, as an HTTP client's or a lock's would: nothing the user did.
        var timeout = new Command("timeout");
        timeout.SetAction(async (ParseResult _, CancellationToken _) =>
        {
            using var limit = new CancellationTokenSource();
            await limit.CancelAsync();
            await Task.Delay(Timeout.Infinite, limit.Token);
            return 0;
        });

        // Waits for the command's token; the user cancels as the command starts.
        var wait = new Command("wait");
        wait.SetAction(async (ParseResult _, CancellationToken cancellationToken) =>
        {
            await user!.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        });

        var root = new RootCommand("test");
        root.Subcommands.Add(boom);
        root.Subcommands.Add(timeout);
        root.Subcommands.Add(wait);
        return root;
    }
}
