namespace PredictiveSharding.Packaging.Tests;

/// <summary>
/// The dependency graph the design promises, read from the built packages' .nuspec files: Core stands alone; the three
/// stages meet only in Core; native libraries and Microsoft.ML come only with the packages that need them.
/// </summary>
[Category("Packaging")]
public sealed class PackageDependencyTests
{
    private const string Core = "PredictiveSharding.Core";
    private static readonly string[] Stages = ["PredictiveSharding.Forecasting", "PredictiveSharding.Planning", "PredictiveSharding.Execution"];

    private static IEnumerable<string> Libraries => PackedPackages.Libraries;

    private static Nuspec Read(string id) => Nuspec.Read(PackedPackages.PathOf(id));

    [Test]
    public void Core_DependsOnNothingBeyondTheBaseLibrary()
    {
        // The DI abstractions are the one exception the design allows, should Core ever need them.
        Assert.That(Read(Core).DependencyIds, Is.SubsetOf(new[] { "Microsoft.Extensions.DependencyInjection.Abstractions" }));
    }

    [TestCaseSource(nameof(Stages))]
    public void Stage_DependsOnCore_AndOnNoOtherStage(string id)
    {
        var dependencies = Read(id).DependencyIds.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(dependencies, Does.Contain(Core));
            Assert.That(dependencies.Where(d => d.StartsWith("PredictiveSharding.", StringComparison.Ordinal)), Is.EqualTo(new[] { Core }));
        });
    }

    [TestCase("RocksDB", "PredictiveSharding.Storage.RocksDb")]
    [TestCase("Google.OrTools", "PredictiveSharding.Planning.OrTools")]
    [TestCase("Microsoft.ML.OnnxRuntime")]
    public void NativeDependency_OnlyInThePackagesThatNeedIt(string native, params string[] allowed)
    {
        var holders = PackedPackages.Libraries.Where(id => Read(id).DependencyIds.Any(d => d.Equals(native, StringComparison.OrdinalIgnoreCase) || d.StartsWith(native + ".", StringComparison.OrdinalIgnoreCase)));
        Assert.That(holders, Is.EquivalentTo(allowed));
    }

    [Test]
    public void MicrosoftMl_OnlyInTheFastTreePackage()
    {
        var holders = PackedPackages.Libraries.Where(id => Read(id).DependencyIds.Any(d => d.Equals("Microsoft.ML", StringComparison.OrdinalIgnoreCase) || d.StartsWith("Microsoft.ML.", StringComparison.OrdinalIgnoreCase)));
        Assert.That(holders, Is.EquivalentTo(new[] { "PredictiveSharding.Forecasting.FastTree" }));
    }

    [TestCaseSource(nameof(Libraries))]
    public void OwnDependencies_AreOtherPackagesOfThisSet_AtTheSameVersion(string id)
    {
        var own = Read(id).Dependencies.Where(d => d.Id.StartsWith("PredictiveSharding.", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(own.Select(d => d.Id), Is.SubsetOf(PackedPackages.Libraries));
            Assert.That(own.Select(d => d.Version), Is.All.EqualTo(PackedPackages.Version));
        });
    }
}
