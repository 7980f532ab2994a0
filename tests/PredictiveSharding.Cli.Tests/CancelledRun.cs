namespace PredictiveSharding.Cli.Tests;

/// <summary>What every command does when cancelled (Ctrl+C): exit code 130, "cancelled" on stderr, no report on stdout.</summary>
internal static class CancelledRun
{
    public static void AssertReported(int code, StringWriter output, StringWriter error) =>
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(130));
            Assert.That(error.ToString(), Does.Contain("cancelled"));
            Assert.That(output.ToString(), Is.Empty);
        });
}
