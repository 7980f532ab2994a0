using System.Text.RegularExpressions;
using PredictiveSharding.Packaging.Tests;

// Outside the packaging tests' namespace, so their one-time pack (PackedPackages) does not run for these.
namespace PredictiveSharding.Samples.Tests;

/// <summary>
/// The samples run as a reader runs them, from the solution's build, each shortened by its own arguments: nothing else
/// runs them, and the RedisCluster sample stopped at its first plan from session 34 on (its loop planned on the system's
/// clock while its recorder replayed 2019) without a test noticing.
/// </summary>
[Category("Samples")]
[NonParallelizable]
public sealed partial class SampleTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Test]
    public async Task EmbeddedEngine_PlansAndMovesWhileTrafficRuns_AndLosesNoWrite()
    {
        var run = await RunSampleAsync("EmbeddedEngine", "35");

        run.EnsureSuccess("EmbeddedEngine");
        Assert.That(run.Stdout, Does.Match(@"plan: \d+ actions").And.Contain("executed"), run.Output);
        Assert.That(run.Stdout, Does.Contain("Verification: all 10000 keys read back").And.Contain(", 0 lost or stale."), run.Output);
    }

    [Test]
    public async Task GenericHost_RunsTheLoopAsAHostedService_AndVerifiesAfterTheHostStopped()
    {
        var run = await RunSampleAsync("GenericHost", "--Sample:Seconds=35", "--PredictiveSharding:ControlLoop:WarmupBuckets=22");

        run.EnsureSuccess("GenericHost");
        Assert.That(run.Stdout, Does.Contain("Served "), run.Output);
        Assert.That(run.Stdout, Does.Contain("Verification after the host stopped: all 10000 keys read back").And.Contain(", 0 lost or stale;"), run.Output);
        Assert.That(CycleFailures().Match(run.Stdout).Groups[1].Value, Is.EqualTo("0"), "no control cycle failed in a row at the end:\n" + run.Output);
    }

    [Test]
    public async Task RedisCluster_MovesSlotsAheadOfLoad_AndEveryIncrIsKept()
    {
        if (!OnPath("redis-server"))
        {
            Assert.Ignore("redis-server is not installed (.ci/run installs it).");
        }

        var run = await RunSampleAsync("RedisCluster", "--ops", "40000", "--minute-ms", "20");

        run.EnsureSuccess("RedisCluster");
        Assert.That(run.Stdout, Does.Match(@"\] moved slots-"), "at least one slot range moved:\n" + run.Output);
        Assert.That(run.Stdout, Does.Match(@"Verification: \d+ keys, 0 with a value other than their acknowledged INCRs"), run.Output);
    }

    /// <summary>Runs the sample's build from this solution's configuration (the one these tests were built in).</summary>
    private static Task<ProcessResult> RunSampleAsync(string sample, params string[] args)
    {
        // bin/<configuration>/<framework>/ of this test assembly: the samples are built beside it by the same command.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var folder = Path.Combine(Repository.Root, "samples", sample);
        var assembly = Path.Combine(folder, "bin", configuration, framework.Name, sample + ".dll");
        Assert.That(assembly, Does.Exist, $"build the solution first (dotnet build PredictiveSharding.sln -c {configuration})");
        return DotnetProcess.RunAsync(folder, Limit, [assembly, .. args]);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program)));

    [GeneratedRegex(@"(\d+) failures in a row")]
    private static partial Regex CycleFailures();
}
