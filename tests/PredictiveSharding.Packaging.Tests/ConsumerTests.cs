using System.Text.RegularExpressions;

namespace PredictiveSharding.Packaging.Tests;

/// <summary>
/// The packages used as a new user would: outside the repository, a console project whose nuget.config adds the packed
/// folder and keeps the machine's default source, the packages added by name, the README's quick start copied verbatim
/// as Program.cs; then the psharding tool installed from the folder; then the same project published with Native AOT.
/// </summary>
[Category("Packaging")]
[NonParallelizable]
public sealed partial class ConsumerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    private string _app = string.Empty;

    [OneTimeSetUp]
    public async Task CreateConsumerAsync()
    {
        var root = Path.Combine(PackedPackages.WorkRoot, "consumer");
        Directory.CreateDirectory(root);

        // The same version is packed on every run: drop any earlier copy from the machine's package cache so the
        // consumer restores the packages just made.
        ForgetCachedPackages();

        await File.WriteAllTextAsync(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="predictivesharding-local" value="{PackedPackages.Folder}" />
              </packageSources>
            </configuration>
            """);
        (await DotnetProcess.RunAsync(root, Long, "new", "console", "-n", "QuickStart", "-o", "QuickStart")).EnsureSuccess("dotnet new console");
        _app = Path.Combine(root, "QuickStart");
        foreach (var package in new[] { "PredictiveSharding.Hosting", "PredictiveSharding.Storage.RocksDb", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.TimeProvider.Testing" })
        {
            (await DotnetProcess.RunAsync(_app, Long, "add", "package", package)).EnsureSuccess("dotnet add package " + package);
        }

        await File.WriteAllTextAsync(Path.Combine(_app, "Program.cs"), await ReadQuickStartAsync());
        File.Copy(Path.Combine(Repository.Root, "samples", "traces", "azure_functions_minute.csv"), Path.Combine(_app, "azure_functions_minute.csv"));
    }

    [OneTimeTearDown]
    public void Forget() => ForgetCachedPackages();

    [Test]
    [Order(1)]
    public void ConsumerProject_ReferencesThePackedVersionByName()
    {
        var project = File.ReadAllText(Path.Combine(_app, "QuickStart.csproj"));
        Assert.Multiple(() =>
        {
            Assert.That(project, Does.Contain($"Include=\"PredictiveSharding.Hosting\" Version=\"{PackedPackages.Version}\""));
            Assert.That(project, Does.Contain($"Include=\"PredictiveSharding.Storage.RocksDb\" Version=\"{PackedPackages.Version}\""));
        });
    }

    [Test]
    [Order(2)]
    public async Task QuickStart_BuildsAndRuns_PrintingThePlanOfTheLastCycle()
    {
        var run = await DotnetProcess.RunAsync(_app, Long, "run", "-c", "Release");
        run.EnsureSuccess("the quick start");
        await TestContext.Progress.WriteLineAsync($"quick start built and ran in {run.Elapsed.TotalSeconds:0.0} s:\n{run.Stdout}");
        Assert.That(run.Stdout, Does.Match(@"^(Planned|Executed): \d+ actions"));
    }

    [Test]
    [Order(3)]
    public async Task Tool_InstallsFromTheFolder_AndRuns()
    {
        var tools = Path.Combine(PackedPackages.WorkRoot, "tools");
        (await DotnetProcess.RunAsync(PackedPackages.WorkRoot, Long, "tool", "install", "--tool-path", tools, "--add-source", PackedPackages.Folder, PackedPackages.Tool, "--version", PackedPackages.Version))
            .EnsureSuccess("dotnet tool install");
        var psharding = Path.Combine(tools, "psharding");
        var help = (await DotnetProcess.RunProgramAsync(psharding, PackedPackages.WorkRoot, Long, "--help")).EnsureSuccess("psharding --help");
        var simulate = (await DotnetProcess.RunProgramAsync(psharding, PackedPackages.WorkRoot, Long, "simulate", "--strategies", "static,reactive-default", "--json"))
            .EnsureSuccess("psharding simulate");
        Assert.Multiple(() =>
        {
            Assert.That(help.Stdout, Does.Contain("simulate").And.Contain("forecast-eval").And.Contain("plan").And.Contain("move-check"));
            Assert.That(simulate.Stdout.Trim(), Does.StartWith("{").And.EndWith("}"));
            Assert.That(simulate.Stdout, Does.Contain("\"static\"").And.Contain("\"reactive-default\""));
        });
    }

    [Test]
    [Order(4)]
    public async Task QuickStart_PublishedWithNativeAot_HasNoWarningFromOurPackages_AndRunsOrStopsOnlyInRocksDbSharpsEmitBinding()
    {
        var output = Path.Combine(PackedPackages.WorkRoot, "aot");
        var publish = (await DotnetProcess.RunAsync(_app, Long, "publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output))
            .EnsureSuccess("dotnet publish -p:PublishAot=true");
        var warnings = publish.Output.Split('\n').Where(l => TrimOrAotWarning().IsMatch(l)).Select(l => l.Trim()).Distinct().ToList();
        var ours = warnings.Where(l => l.Contains("PredictiveSharding", StringComparison.Ordinal)).ToList();
        var binary = Path.Combine(output, "QuickStart");
        await TestContext.Progress.WriteLineAsync($"AOT publish {publish.Elapsed.TotalSeconds:0.0} s, binary {new FileInfo(binary).Length:N0} bytes; trim/AOT warnings from other packages:\n{string.Join('\n', warnings.Except(ours))}");
        Assert.That(ours, Is.Empty, "trim or AOT warnings from PredictiveSharding packages");

        var run = await DotnetProcess.RunProgramAsync(binary, _app, Long);
        if (run.ExitCode != 0 && run.Stderr.Contains("RocksDbSharp.Native..cctor", StringComparison.Ordinal) && run.Stderr.Contains("Dynamic code generation is not supported", StringComparison.Ordinal))
        {
            // RocksDbSharp (the RocksDB package, not ours) binds its native library with Reflection.Emit, which Native
            // AOT cannot run, so the binary stops at the first RocksDB call; anything else fails the test. A known
            // limit, stated in the README; the run succeeds here the day RocksDbSharp binds without Emit.
            await TestContext.Out.WriteLineAsync("LIMIT: the Native AOT quick start stops in RocksDbSharp's Reflection.Emit binding (third-party, not AOT-compatible).");
            Assert.That(run.Stderr, Does.Contain("at PredictiveSharding.Storage.RocksDb.RocksDbNode..ctor"));
            return;
        }

        run.EnsureSuccess("the Native AOT quick start");
        Assert.That(run.Stdout, Does.Match(@"^(Planned|Executed): \d+ actions"));
    }

    /// <summary>The C# block between the quick-start markers in README.md, exactly as written there.</summary>
    private static async Task<string> ReadQuickStartAsync()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var match = QuickStartBlock().Match(readme);
        Assert.That(match.Success, Is.True, "README.md must hold the quick start between <!-- quickstart:begin --> and <!-- quickstart:end --> in a csharp block");
        return match.Groups[1].Value;
    }

    private static void ForgetCachedPackages()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in PackedPackages.Libraries.Append(PackedPackages.Tool))
        {
            var folder = Path.Combine(cache, id.ToLowerInvariant(), PackedPackages.Version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"<!-- quickstart:begin -->\s*```csharp\n(.*?)```\s*<!-- quickstart:end -->", RegexOptions.Singleline)]
    private static partial Regex QuickStartBlock();

    [GeneratedRegex(@"warning IL\d{4}")]
    private static partial Regex TrimOrAotWarning();
}
