namespace PredictiveSharding.Planning.Tests;

public sealed class GeneticPlannerOptionsTests
{
    [Test]
    public void Validate_WithDefaults_Passes()
    {
        Assert.DoesNotThrow(() => new GeneticPlannerOptions().Validate());
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return Case("PopulationSize", o => o.PopulationSize = 3);
        yield return Case("PopulationSize", o => o.PopulationSize = 10_001);
        yield return Case("PopulationSize", o => o.PopulationSize = int.MaxValue);
        yield return Case("MaxGenerations", o => o.MaxGenerations = 0);
        yield return Case("StagnationLimit", o => o.StagnationLimit = 0);
        yield return Case("TimeBudget", o => o.TimeBudget = TimeSpan.Zero);
        yield return Case("TournamentSize", o => o.TournamentSize = 1);
        yield return Case("TournamentSize", o => o.TournamentSize = 25);
        yield return Case("CrossoverRate", o => o.CrossoverRate = 1.5);
        yield return Case("MutationRate", o => o.MutationRate = double.NaN);
        yield return Case("EliteCount", o => o.EliteCount = 24);
        yield return Case("DegreeOfParallelism", o => o.DegreeOfParallelism = 0);
        yield return Case("LocalSearchSteps", o => o.LocalSearchSteps = 0);
        yield return Case("LocalSearchSteps", o => o.LocalSearchSteps = int.MaxValue / 4);
        yield return Case("MoveCostWeight", o => o.MoveCostWeight = -1);
        yield return Case("OverflowWeight", o => o.OverflowWeight = double.PositiveInfinity);
        yield return Case("PeakFloor", o => o.PeakFloor = -0.5);
        yield return Case("BreachSumWeight", o => o.BreachSumWeight = -1);
        yield return Case("BreachSumWeight", o => o.BreachSumWeight = double.NaN);
        yield return Case("OverflowSpreadWeight", o => o.OverflowSpreadWeight = -0.05);
        yield return Case("OverflowSpreadWeight", o => o.OverflowSpreadWeight = double.NaN);
        yield return Case("IsolationWeight", o => o.IsolationWeight = -1);
        yield return Case("IsolationWeight", o => o.IsolationWeight = double.PositiveInfinity);
        yield return Case("PerMoveCost", o => o.PerMoveCost = -0.01);
        yield return Case("PerMoveCost", o => o.PerMoveCost = double.NaN);
        yield return Case("MoveOverheadShare", o => o.MoveOverheadShare = -0.1);
        yield return Case("MoveOverheadShare", o => o.MoveOverheadShare = 1.5);
        yield return Case("MoveOverheadShare", o => o.MoveOverheadShare = double.NaN);
        yield return Case("SplitShareThreshold", o => o.SplitShareThreshold = 0);
        yield return Case("HysteresisMargin", o => o.HysteresisMargin = 0.5);
        yield return Case("MaxSplitWays", o => o.MaxSplitWays = 1);
        yield return Case("MergeShareThreshold", o => o.MergeShareThreshold = 0.4);
    }

    private static TestCaseData Case(string name, Action<GeneticPlannerOptions> change) =>
        new TestCaseData(name, change).SetArgDisplayNames(name);

    [TestCaseSource(nameof(BadOptions))]
    public void Validate_WhenOptionIsOutOfRange_ThrowsNamingIt(string name, Action<GeneticPlannerOptions> change)
    {
        var options = new GeneticPlannerOptions();
        change(options);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.That(ex!.ParamName, Is.EqualTo(name));
        Assert.That(ex.Message, Does.Contain("GeneticPlannerOptions." + name));
    }

    [Test]
    public void ForBurstBoundForecasts_PricesMovesAndOverflowForBurstBounds_AndLeavesTheRestAtDefaults()
    {
        var preset = GeneticPlannerOptions.ForBurstBoundForecasts();
        var defaults = new GeneticPlannerOptions();
        Assert.Multiple(() =>
        {
            Assert.That(preset.Validate, Throws.Nothing);
            Assert.That(preset.MoveCostWeight, Is.EqualTo(2));
            Assert.That(preset.OverflowWeight, Is.EqualTo(1));
            Assert.That(preset.OverflowSpreadWeight, Is.EqualTo(0.05), "a tie-breaker towards spreading overflow the bounds put everywhere");
            Assert.That(defaults.OverflowSpreadWeight, Is.Zero, "the class default keeps the plain sum the CP-SAT cross-check models");
            Assert.That(preset.SplitOnOverflowQuantile, Is.True);
            Assert.That(preset.PopulationSize, Is.EqualTo(defaults.PopulationSize));
            Assert.That(preset.TimeBudget, Is.EqualTo(defaults.TimeBudget));
            Assert.That(preset.PeakFloor, Is.EqualTo(defaults.PeakFloor));
            Assert.That(preset.SplitShareThreshold, Is.EqualTo(0.35), "surge-prone ranges are cut finer than the class default before any surge");
            Assert.That(defaults.SplitShareThreshold, Is.EqualTo(0.5));
            Assert.That(GeneticPlannerOptions.ForBurstBoundForecasts(), Is.Not.SameAs(preset), "each call is a new instance the caller may change");
        });
    }

    [Test]
    public void Constructor_WhenOptionsAreInvalid_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GeneticShardPlanner(new GeneticPlannerOptions { EliteCount = -1 }));
    }
}
