using System.Text.RegularExpressions;

namespace PredictiveSharding.Packaging.Tests;

/// <summary>
/// Packs the solution once for every test here: <c>dotnet pack -c Release --no-build</c> into a temporary folder, so
/// the Release binaries that the other test assemblies are running from are read, never rebuilt.
/// </summary>
[SetUpFixture]
public sealed partial class PackedPackages
{
    /// <summary>The library packages a user references (id = project name).</summary>
    public static readonly string[] Libraries =
    [
        "PredictiveSharding.Core", "PredictiveSharding.Forecasting", "PredictiveSharding.Forecasting.FastTree",
        "PredictiveSharding.Planning", "PredictiveSharding.Planning.OrTools", "PredictiveSharding.Execution",
        "PredictiveSharding.Storage.RocksDb", "PredictiveSharding.Hosting", "PredictiveSharding.Redis",
        "PredictiveSharding.Traces", "PredictiveSharding.Simulation", "PredictiveSharding.TestKit",
    ];

    /// <summary>The .NET tool's package.</summary>
    public const string Tool = "PredictiveSharding.Cli";

    private static string? _folder;
    private static string? _root;

    /// <summary>The folder the packages were written to.</summary>
    public static string Folder => _folder ?? throw new InvalidOperationException("The packages are made in the one-time set-up.");

    /// <summary>A temporary folder for the consumer projects, outside the repository.</summary>
    public static string WorkRoot => _root ?? throw new InvalidOperationException("The packages are made in the one-time set-up.");

    /// <summary>The version every package carries (one version, set in the root Directory.Build.props).</summary>
    public static string Version { get; private set; } = string.Empty;

    /// <summary>The path of a package file.</summary>
    public static string PathOf(string id, string extension = ".nupkg") => Path.Combine(Folder, $"{id}.{Version}{extension}");

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        _root = Directory.CreateTempSubdirectory("psharding-packaging-").FullName;
        _folder = Path.Combine(_root, "packages");
        var props = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "Directory.Build.props"));
        Version = VersionElement().Match(props).Groups[1].Value;
        var pack = await DotnetProcess.RunAsync(Repository.Root, TimeSpan.FromMinutes(10), "pack", Repository.Solution, "-c", "Release", "--no-build", "-o", _folder);
        pack.EnsureSuccess("dotnet pack");
        await TestContext.Progress.WriteLineAsync($"packed in {pack.Elapsed.TotalSeconds:0.0} s into {_folder}");
    }

    [OneTimeTearDown]
    public void DeleteFolder()
    {
        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
