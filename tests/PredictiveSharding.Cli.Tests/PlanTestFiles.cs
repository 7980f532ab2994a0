namespace PredictiveSharding.Cli.Tests;

/// <summary>Where the plan command's sample files are, and scratch files for a test.</summary>
internal static class PlanTestFiles
{
    public static string SamplesDirectory { get; } = Path.Combine(RepositoryRoot(), "samples", "plan");

    public static string SampleCluster => Path.Combine(SamplesDirectory, "cluster.json");

    public static string SampleForecast => Path.Combine(SamplesDirectory, "forecast.json");

    /// <summary>A fresh directory under the system's temp folder; the caller deletes it.</summary>
    public static string NewScratchDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "psharding-plan-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PredictiveSharding.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("PredictiveSharding.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
