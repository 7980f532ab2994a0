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

    [Test]
    public async Task UnknownOption_ExitsWithTwoNamingIt_WithNothingOnStdout()
    {
        var (exitCode, stdout, stderr) = await RunAsync("simulate", "--nodess", "4", "--json");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stderr, Does.Contain("--nodess"));
            Assert.That(stdout, Is.Empty);
        });
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
