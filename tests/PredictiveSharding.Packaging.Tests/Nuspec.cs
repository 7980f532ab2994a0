using System.IO.Compression;
using System.Xml.Linq;

namespace PredictiveSharding.Packaging.Tests;

/// <summary>The parts of a package's .nuspec (read from the .nupkg zip) and its file list that the checks need.</summary>
internal sealed class Nuspec
{
    private Nuspec(XElement metadata, IReadOnlyList<string> files)
    {
        Metadata = metadata;
        Files = files;
        var ns = metadata.Name.Namespace;
        Dependencies = metadata.Element(ns + "dependencies")?.Descendants(ns + "dependency")
            .Select(d => (Id: (string)d.Attribute("id")!, Version: (string?)d.Attribute("version") ?? string.Empty))
            .ToList() ?? [];
    }

    /// <summary>The metadata element.</summary>
    public XElement Metadata { get; }

    /// <summary>Every file in the package (zip entry names).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Every dependency of every target-framework group.</summary>
    public IReadOnlyList<(string Id, string Version)> Dependencies { get; }

    /// <summary>The ids of the dependencies.</summary>
    public IEnumerable<string> DependencyIds => Dependencies.Select(d => d.Id).Distinct();

    /// <summary>The text of a metadata element, or null.</summary>
    public string? this[string element] => Metadata.Element(Metadata.Name.Namespace + element)?.Value;

    /// <summary>The license element and its type attribute.</summary>
    public (string? Type, string? Value) License
    {
        get
        {
            var license = Metadata.Element(Metadata.Name.Namespace + "license");
            return ((string?)license?.Attribute("type"), license?.Value);
        }
    }

    /// <summary>Reads a package.</summary>
    public static Nuspec Read(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = entry.Open();
        var document = XDocument.Load(stream);
        var metadata = document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return new Nuspec(metadata, zip.Entries.Select(e => e.FullName).ToList());
    }
}
