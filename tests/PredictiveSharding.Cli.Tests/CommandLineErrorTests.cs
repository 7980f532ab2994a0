using static PredictiveSharding.Cli.Tests.CliProcess;

namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// A value the command line cannot parse, or an unknown option, is bad input like any other: exit code 2, the reason on
/// stderr, nothing on stdout (where <c>--json</c> promises exactly one object).
/// </summary>
[TestFixture]
public sealed class CommandLineErrorTests
{
    [TestCase("simulate", "--nodes", "abc")]
    [TestCase("simulate", "--headroom", "lots")]
    [TestCase("simulate", "--seed", "99999999999")]
    [TestCase("plan", "--quantile", "zz")]
    [TestCase("move-check", "--keys", "many")]
    public async Task UnparsableValue_ExitsWithTwoNamingTheOptionAndValue_WithNothingOnStdout(string command, string option, string value)
    {
        var (exitCode, stdout, stderr) = await RunAsync(command, option, value, "--json");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain(option).And.Contain(value));
            Assert.That(stdout, Is.Empty);
        });
    }

    [TestCase("--nodess", "simulate", "--nodess", "4", "--json")]
    [TestCase("--bogus", "plan", "--cluster", "c.json", "--forecast", "f.json", "--bogus", "1")]
    [TestCase("--bogus", "forecast-eval", "--input", "x.csv", "--season", "24", "--horizon", "24", "--bogus")]
    [TestCase("no-such-command", "no-such-command")]
    public async Task UnknownOptionOrCommand_ExitsWithTwoNamingIt_WithNothingOnStdout(string unknown, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain(unknown));
            Assert.That(stdout, Is.Empty);
        });
    }

    [Test]
    public async Task ForecastEvalHelp_DoesNotOfferAdditionalArguments()
    {
        var (exitCode, stdout, _) = await RunAsync("forecast-eval", "--help");

        Assert.That(exitCode, Is.Zero);
        Assert.That(stdout, Does.Not.Contain("additional arguments").IgnoreCase, "forecast-eval refuses any argument it does not know");
    }

    [Test]
    public async Task Help_StillExitsWithZeroAndPrintsTheOptions()
    {
        var (exitCode, stdout, _) = await RunAsync("simulate", "--help");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(stdout, Does.Contain("--nodes"));
        });
    }
}
