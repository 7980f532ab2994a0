using System.CommandLine;
using PredictiveSharding.Cli.Commands;

namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// Fractional options are read with a decimal point whatever the locale: under de-DE System.CommandLine's own conversion
/// read "--headroom 0.8" as 8 and "--warmup 0.3" as 3. The in-process tests run under a decimal-comma culture; the
/// out-of-process one under LANG=de_DE.UTF-8 (on a machine without ICU both runs are invariant, and it passes trivially).
/// </summary>
[TestFixture]
public sealed class InvariantNumberOptionsTests
{
    [Test]
    public void Parse_UnderADecimalCommaLocale_ReadsFractionsWithAPoint()
    {
        using var comma = new DecimalCommaCulture();
        var parsed = Root().Parse(["simulate", "--headroom", "0.8", "--warmup", "0.25", "--move-bandwidth", "1.5e6"]);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Errors, Is.Empty);
            Assert.That(parsed.GetValue<double>("--headroom"), Is.EqualTo(0.8));
            Assert.That(parsed.GetValue<double>("--warmup"), Is.EqualTo(0.25));
            Assert.That(parsed.GetValue<double?>("--move-bandwidth"), Is.EqualTo(1.5e6));
        });
    }

    [Test]
    public void Parse_WithoutTheOption_KeepsItsDefault()
    {
        using var comma = new DecimalCommaCulture();
        var parsed = Root().Parse(["simulate"]);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Errors, Is.Empty);
            Assert.That(parsed.GetValue<double>("--headroom"), Is.EqualTo(0.8));
            Assert.That(parsed.GetValue<double?>("--move-bandwidth"), Is.Null);
        });
    }

    [TestCase("0,8")]
    [TestCase("lots")]
    public void Parse_ANumberThatIsNotInvariant_IsAnErrorNamingTheOptionAndValue(string value)
    {
        using var comma = new DecimalCommaCulture();
        var parsed = Root().Parse(["simulate", "--headroom", value]);

        Assert.That(parsed.Errors.Select(e => e.Message), Has.Some.Contain("--headroom").And.Contain(value));
    }

    [Test]
    public async Task Simulate_UnderAGermanLocale_ReadsAndWritesFractionsWithAPoint()
    {
        string[] args = ["simulate", "--headroom", "0.5", "--strategies", "static", "--json"];
        var invariant = await CliProcess.RunAsync(args);
        var german = await CliProcess.RunAsync(new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8", ["LC_ALL"] = "de_DE.UTF-8" }, args);

        Assert.Multiple(() =>
        {
            Assert.That(invariant.ExitCode, Is.Zero, invariant.Stderr);
            Assert.That(german.ExitCode, Is.Zero, german.Stderr);
            Assert.That(NodeCapacity(german.Stdout), Is.EqualTo(NodeCapacity(invariant.Stdout)), "headroom 0.5, not 5");
            Assert.That(german.Stdout, Does.Not.Match(@"\d,\d"));
        });
    }

    private static double NodeCapacity(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("nodeCapacity").GetDouble();
    }

    private static RootCommand Root()
    {
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
