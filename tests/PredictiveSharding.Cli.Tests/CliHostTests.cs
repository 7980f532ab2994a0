using System.CommandLine;
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

    private static RootCommand Root()
    {
        var boom = new Command("boom");
        boom.SetAction((ParseResult _, CancellationToken _) => Task.FromException<int>(new InvalidOperationException("kaput")));
        var root = new RootCommand("test");
        root.Subcommands.Add(boom);
        return root;
    }
}
