namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// The README and the tool's README promise that every command exits 2 with a message naming the bad value for bad
/// input. An unknown option or a value of the wrong type is caught by the command-line parser before a command runs.
/// </summary>
[TestFixture]
public sealed class ParseErrorExitCodeTests
{
    [TestCase("--bogus", "plan", "--cluster", "c.json", "--forecast", "f.json", "--bogus", "1")]
    [TestCase("abc", "plan", "--cluster", "c.json", "--forecast", "f.json", "--quantile", "abc")]
    [TestCase("abc", "simulate", "--nodes", "abc")]
    [TestCase("--bogus", "simulate", "--bogus")]
    [TestCase("many", "move-check", "--crashes", "many")]
    [TestCase("no-such-command", "no-such-command")]
    [TestCase("--bogus", "forecast-eval", "--input", "x.csv", "--season", "24", "--horizon", "24", "--bogus")]
    public async Task AParseErrorExitsTwoAndNamesTheBadValueOnStderr(string badValue, params string[] args)
    {
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync(args);

        Assert.That(exitCode, Is.EqualTo(2), "bad input exits 2, as documented; stderr: " + stderr);
        Assert.That(stdout, Is.Empty, "nothing on stdout, where --json output goes");
        Assert.That(stderr, Does.Contain(badValue));
    }

    [Test]
    public async Task ForecastEvalHelpDoesNotOfferAdditionalArguments()
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync("forecast-eval", "--help");

        Assert.That(exitCode, Is.Zero);
        Assert.That(stdout, Does.Not.Contain("additional arguments").IgnoreCase, "forecast-eval refuses any argument it does not know");
    }
}
