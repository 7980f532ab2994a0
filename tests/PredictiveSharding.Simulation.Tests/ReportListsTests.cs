namespace PredictiveSharding.Simulation.Tests;

public sealed class ReportListsTests
{
    [Test]
    public void SimulationReport_KeepsItsOwnReadOnlyCopiesOfTheStrategyLists()
    {
        // The report handed out the lists it was built from: a caller casting Strategies back to a list could reorder or
        // replace results under Find, and the builder's later changes showed through.
        var first = new StrategyResult("static", "", 1, new float[1]);
        var strategies = new List<StrategyResult> { first };
        var grid = new List<StrategyResult> { first };
        var report = new SimulationReport(strategies, grid);

        strategies.Clear();
        grid.Add(first);

        Assert.Multiple(() =>
        {
            Assert.That(report.Strategies, Is.EqualTo(new[] { first }), "the builder's later change does not show");
            Assert.That(report.ReactiveGrid, Is.EqualTo(new[] { first }));
            Assert.That(report.Strategies, Is.Not.InstanceOf<List<StrategyResult>>().And.Not.InstanceOf<StrategyResult[]>());
            Assert.That(((ICollection<StrategyResult>)report.Strategies).IsReadOnly, Is.True);
            Assert.That(((ICollection<StrategyResult>)report.ReactiveGrid).IsReadOnly, Is.True);
        });
    }

    [Test]
    public void StrategyResult_KeepsItsOwnReadOnlyCopyOfTheWarnings()
    {
        var warnings = new List<string> { "a move no longer applied" };
        var result = new StrategyResult("predictive", "", 1, new float[1]) { Warnings = warnings };

        warnings.Add("added later");

        Assert.Multiple(() =>
        {
            Assert.That(result.Warnings, Is.EqualTo(new[] { "a move no longer applied" }));
            Assert.That(((ICollection<string>)result.Warnings).IsReadOnly, Is.True);
            Assert.That(result.Renamed("reactive").Warnings, Is.EqualTo(new[] { "a move no longer applied" }), "a renamed copy keeps them");
            Assert.That(() => new StrategyResult("x", "", 1, new float[1]) { Warnings = null! }, Throws.ArgumentNullException.With.Message.Contains("Warnings"));
        });
    }
}
