using System.Text.RegularExpressions;

namespace PredictiveSharding.Packaging.Tests;

/// <summary>
/// docs/observability.md against the code it describes: every log event id is unique, lies in its package's range and
/// is listed with its level; every meter instrument the packages create is listed with its unit; every tag the code
/// attaches to a measurement is named in the table (as a set: which instrument carries which is checked by eye). A host
/// wires dashboards and log filters from that page, so it must not drift.
/// </summary>
[Category("Packaging")]
public sealed partial class ObservabilityDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(Repository.Root, "docs", "observability.md"));

    private static readonly (string Package, int First, int Last)[] Ranges =
    [
        ("PredictiveSharding.Hosting", 1001, 1099),
        ("PredictiveSharding.Execution", 2001, 2099),
        ("PredictiveSharding.Forecasting", 3100, 3199),
        ("PredictiveSharding.Planning", 4001, 4099),
        ("PredictiveSharding.Planning.OrTools", 4101, 4199),
        ("PredictiveSharding.Storage.RocksDb", 5001, 5099),
        ("PredictiveSharding.Redis", 6001, 6099),
    ];

    [Test]
    public void EveryLogEvent_HasAUniqueIdInItsPackagesRange()
    {
        var events = LogEvents().ToList();

        Assert.That(events, Has.Count.GreaterThan(40), "the scan found the source-generated log methods");
        Assert.That(events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty, "event ids are unique across the packages");
        foreach (var e in events)
        {
            var range = Ranges.SingleOrDefault(r => r.Package == e.Package);
            Assert.That(range.Package, Is.Not.Null, $"{e.Package} has no event-id range in docs/observability.md");
            Assert.That(e.Id, Is.InRange(range.First, range.Last), $"event {e.Id} of {e.Package}");
        }
    }

    [Test]
    public void TheDocsLogTable_ListsEveryEventWithItsLevel_AndNothingElse()
    {
        var inCode = LogEvents().Select(e => (e.Id, e.Level)).OrderBy(e => e.Id).ToList();
        var inDoc = DocRow().Matches(Doc).Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value)).OrderBy(e => e.Item1).ToList();

        Assert.That(inDoc, Is.EqualTo(inCode));
    }

    [Test]
    public void TheDocsMeterTable_ListsEveryInstrumentWithItsUnit_AndNothingElse()
    {
        var inCode = SourceFiles()
            .SelectMany(f => Instrument().Matches(File.ReadAllText(f)).Select(m => (Name: m.Groups[1].Value, Unit: m.Groups[2].Success ? m.Groups[2].Value : "–")))
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ToList();
        var inDoc = MeterRow().Matches(Doc)
            .Select(m => (Name: m.Groups[1].Value, Unit: m.Groups[2].Value.Trim('`')))
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ToList();

        Assert.That(inCode, Has.Count.GreaterThan(20), "the scan found the instruments");
        Assert.That(inDoc, Is.EqualTo(inCode));
    }

    [Test]
    public void TheDocsMeterTable_NamesEveryTagTheCodeAttaches_AndNoOther()
    {
        var inCode = SourceFiles()
            .SelectMany(f => Tag().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var inDoc = MeterRow().Matches(Doc)
            .SelectMany(m => m.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(t => t != "–")
            .Select(t => t.Trim('`'))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.That(inCode, Is.Not.Empty, "the scan found the tags");
        Assert.That(inDoc, Is.EqualTo(inCode));
    }

    private static IEnumerable<(int Id, string Level, string Package)> LogEvents() =>
        from file in SourceFiles()
        from Match m in LoggerMessage().Matches(File.ReadAllText(file))
        select (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value, PackageOf(file));

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string PackageOf(string file) =>
        Path.GetRelativePath(Path.Combine(Repository.Root, "src"), file).Split(Path.DirectorySeparatorChar)[0];

    // [LoggerMessage(EventId = 2001, Level = LogLevel.Information, ...)] or [LoggerMessage(1001, LogLevel.Debug, ...)].
    [GeneratedRegex(@"\[LoggerMessage\((?:EventId = )?(\d+),\s*(?:Level = )?LogLevel\.(\w+)")]
    private static partial Regex LoggerMessage();

    // The name, then the unit when one is given (positionally or as unit:); a description: straight after the name means none.
    [GeneratedRegex(@"Create(?:Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter)<\w+>\(""([^""]+)""(?:,\s*(?:unit:\s*)?""([^""]*)"")?")]
    private static partial Regex Instrument();

    // A row of the meter table: | `Meter` | `instrument` | type | unit | tags | meaning |
    [GeneratedRegex(@"^\| `PredictiveSharding[\w.]*` \| `([^`]+)` \| \w+ \| ([^|]+?) \| ([^|]+?) \| ", RegexOptions.Multiline)]
    private static partial Regex MeterRow();

    // A tag attached to a measurement: new KeyValuePair<string, object?>("name", value).
    [GeneratedRegex(@"KeyValuePair<string, object\?>\(""([^""]+)""")]
    private static partial Regex Tag();

    // A row of the event table: | 2001 | Information | Execution | ... |
    [GeneratedRegex(@"^\| (\d{4}) \| (\w+) \| ", RegexOptions.Multiline)]
    private static partial Regex DocRow();
}
