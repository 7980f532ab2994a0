namespace PredictiveSharding.Packaging.Tests;

/// <summary>Paths in the repository these tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding PredictiveSharding.sln, found upward from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The solution file.</summary>
    public static string Solution => Path.Combine(Root, "PredictiveSharding.sln");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PredictiveSharding.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PredictiveSharding.sln not found above " + AppContext.BaseDirectory);
    }
}
