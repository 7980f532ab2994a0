namespace PredictiveSharding.Packaging.Tests;

/// <summary>What a finished process returned and printed, and how long it took.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>Throws with everything printed unless the process exited with 0.</summary>
    public ProcessResult EnsureSuccess(string what)
    {
        Assert.That(ExitCode, Is.Zero, $"{what} failed (exit {ExitCode}):\n{Output}");
        return this;
    }
}
