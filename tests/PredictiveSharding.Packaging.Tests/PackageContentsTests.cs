using System.IO.Compression;

namespace PredictiveSharding.Packaging.Tests;

/// <summary>Every package exists and carries what a package of this project promises: metadata, README, docs, symbols.</summary>
[Category("Packaging")]
public sealed class PackageContentsTests
{
    private static IEnumerable<string> Libraries => PackedPackages.Libraries;

    [Test]
    public void Pack_WritesOnePackagePerLibraryAndTheTool_AndNothingElse()
    {
        var expected = PackedPackages.Libraries.Append(PackedPackages.Tool).Select(id => $"{id}.{PackedPackages.Version}.nupkg").Order(StringComparer.Ordinal);
        var written = Directory.GetFiles(PackedPackages.Folder, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(written, Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Libraries))]
    [TestCase(PackedPackages.Tool)]
    public void Package_CarriesMetadataReadmeAndSymbols(string id)
    {
        var nuspec = Nuspec.Read(PackedPackages.PathOf(id));
        Assert.Multiple(() =>
        {
            Assert.That(nuspec["id"], Is.EqualTo(id));
            Assert.That(nuspec["version"], Is.EqualTo(PackedPackages.Version));
            Assert.That(PackedPackages.Version, Does.Match(@"^0\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"), "0.x SemVer while the API settles");
            Assert.That(nuspec["description"], Has.Length.GreaterThan(40));
            Assert.That(nuspec["tags"], Does.Contain("sharding"));
            Assert.That(nuspec.License, Is.EqualTo(((string?)"expression", (string?)"MIT")));
            Assert.That(nuspec["readme"], Is.EqualTo("README.md"));
            Assert.That(nuspec.Files, Does.Contain("README.md"));
            Assert.That(File.Exists(PackedPackages.PathOf(id, ".snupkg")), Is.True, "symbols package");
        });
        using var symbols = ZipFile.OpenRead(PackedPackages.PathOf(id, ".snupkg"));
        Assert.That(symbols.Entries.Select(e => e.FullName), Has.Some.EndsWith(".pdb"));
    }

    [TestCaseSource(nameof(Libraries))]
    public void LibraryPackage_HasItsAssemblyAndXmlDocs(string id)
    {
        var files = Nuspec.Read(PackedPackages.PathOf(id)).Files;
        Assert.That(files, Is.SupersetOf(new[] { $"lib/net10.0/{id}.dll", $"lib/net10.0/{id}.xml" }));
    }

    [Test]
    public void ToolPackage_IsADotnetToolNamedPsharding()
    {
        var nuspec = Nuspec.Read(PackedPackages.PathOf(PackedPackages.Tool));
        var packageType = nuspec.Metadata.Descendants(nuspec.Metadata.Name.Namespace + "packageType").Select(e => (string?)e.Attribute("name"));
        Assert.Multiple(() =>
        {
            Assert.That(packageType, Does.Contain("DotnetTool"));
            Assert.That(nuspec.Files, Does.Contain("tools/net10.0/any/DotnetToolSettings.xml"));
            Assert.That(nuspec.Files, Does.Contain("tools/net10.0/any/psharding.dll"));
        });
    }
}
