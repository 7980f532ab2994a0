namespace PredictiveSharding.Simulation.Tests;

public class SimulationOptionsTests
{
    [Test]
    public void Validate_WithDefaults_Passes() => Assert.That(() => new SimulationOptions().Validate(), Throws.Nothing);

    [Test]
    public void SeasonalFloor_IsOnByDefaultAndCanBeTurnedOff()
    {
        var options = new SimulationOptions();
        Assert.That(options.SeasonalFloor, Is.True);
        options.SeasonalFloor = false;
        Assert.DoesNotThrow(options.Validate);
    }

    [Test]
    public void MeasuredSplitShare_IsThePublishedQpsThresholdsMappingByDefaultAndZeroTurnsItOff()
    {
        var options = new SimulationOptions();
        Assert.That(options.MeasuredSplitShare, Is.EqualTo(SimulationDefaults.PublishedQpsSplitThresholdShare).And.EqualTo(0.03));
        options.MeasuredSplitShare = 0;
        Assert.DoesNotThrow(options.Validate);
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void Validate_WhenNodesIsNotPositive_ThrowsNamingTheValue(int nodes) =>
        Assert.That(() => new SimulationOptions { Nodes = nodes }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains($"Nodes must be at least 1; got {nodes}"));

    [TestCase(0.0)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void Validate_WhenHeadroomIsOutsideZeroToOne_ThrowsNamingTheValue(double headroom) =>
        Assert.That(() => new SimulationOptions { Headroom = headroom }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("Headroom"));

    [TestCase(1.0)]
    [TestCase(-0.1)]
    public void Validate_WhenWarmupIsOutsideZeroToOne_ThrowsNamingTheValue(double warmup) =>
        Assert.That(() => new SimulationOptions { WarmupFraction = warmup }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("WarmupFraction must be in [0, 1)"));

    [TestCase(-0.01)]
    [TestCase(1.0)]
    [TestCase(double.NaN)]
    public void Validate_WhenTheMeasuredSplitShareIsOutsideZeroToOne_ThrowsNamingTheValue(double share) =>
        Assert.That(() => new SimulationOptions { MeasuredSplitShare = share }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MeasuredSplitShare must be in [0, 1)").And.Message.Contains(share.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void Validate_WhenAStrategyIsUnknown_ThrowsNamingIt() =>
        Assert.That(() => new SimulationOptions { Strategies = ["static", "psychic"] }.Validate(), Throws.ArgumentException.With.Message.Contains("'psychic'"));

    private static IEnumerable<TestCaseData> NonNegativeFiniteSettings()
    {
        foreach (var option in new[] { nameof(SimulationOptions.MoveCostWeight), nameof(SimulationOptions.BreachSumWeight), nameof(SimulationOptions.IsolationWeight), nameof(SimulationOptions.OverflowSpreadWeight), nameof(SimulationOptions.PerMoveCost), nameof(SimulationOptions.ReactiveByteBudget) })
        {
            foreach (var value in new[] { -0.5, double.NaN, double.PositiveInfinity })
            {
                yield return new TestCaseData(option, value);
            }
        }
    }

    [TestCaseSource(nameof(NonNegativeFiniteSettings))]
    public void Validate_WhenASettingThatMustBeZeroOrMoreIsNegativeOrNotFinite_ThrowsNamingTheValue(string option, double value)
    {
        var options = new SimulationOptions();
        typeof(SimulationOptions).GetProperty(option)!.SetValue(options, value);

        Assert.That(options.Validate, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option).And.Message.Contains($"{option} must be zero or more and finite"));
    }

    [Test]
    public void BurstBoundSingleKeys_DefaultIsOn_AsInTheHostsGuard() =>
        Assert.That(new SimulationOptions().BurstBoundSingleKeys, Is.True.And.EqualTo(new PredictiveSharding.Planning.Guards.ForecastGuardOptions().BoundSingleKeyBursts));

    [Test]
    public void SingleKeyNeighbourCorrelation_DefaultIsTheHostsGuards() =>
        Assert.That(new SimulationOptions().SingleKeyNeighbourCorrelation, Is.EqualTo(0.9).And.EqualTo(new PredictiveSharding.Planning.Guards.ForecastGuardOptions().SingleKeyNeighbourCorrelation));

    [TestCase(1.5)]
    [TestCase(-2.0)]
    [TestCase(double.NaN)]
    public void Validate_WhenTheSingleKeyCorrelationIsOutsideMinusOneToOne_ThrowsNamingTheValue(double threshold) =>
        Assert.That(() => new SimulationOptions { SingleKeyNeighbourCorrelation = threshold }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("SingleKeyNeighbourCorrelation").And.Message.Contains("SingleKeyNeighbourCorrelation must be from -1 to 1"));

    [Test]
    public void PlannerModelsMoveOverhead_DefaultIsOff_AsTheHostsPlannerChargesNoOverheadByDefault() =>
        Assert.That(new SimulationOptions().PlannerModelsMoveOverhead, Is.False.And.EqualTo(PredictiveSharding.Planning.GeneticPlannerOptions.ForBurstBoundForecasts().MoveOverheadShare > 0));

    [Test]
    public void BreachSumWeight_DefaultIsOff_AsInTheHostsPreset() =>
        Assert.That(new SimulationOptions().BreachSumWeight, Is.Zero.And.EqualTo(PredictiveSharding.Planning.GeneticPlannerOptions.ForBurstBoundForecasts().BreachSumWeight));

    [Test]
    public void OverflowSpreadWeight_DefaultIsTheHostsPresets() =>
        Assert.That(new SimulationOptions().OverflowSpreadWeight, Is.EqualTo(0.05).And.EqualTo(PredictiveSharding.Planning.GeneticPlannerOptions.ForBurstBoundForecasts().OverflowSpreadWeight));

    [Test]
    public void GrowthFromInitialRanges_IsOnByDefault() =>
        Assert.That(new SimulationOptions().GrowthFromInitialRanges, Is.True);

    [Test]
    public void StoreRebalanceBetweenPlans_IsOffByDefault() =>
        Assert.That(new SimulationOptions().StoreRebalanceBetweenPlans, Is.False);

    [Test]
    public void IsolationWeight_DefaultIsTheHostsPresets() =>
        Assert.That(new SimulationOptions().IsolationWeight, Is.EqualTo(2).And.EqualTo(PredictiveSharding.Planning.GeneticPlannerOptions.ForBurstBoundForecasts().IsolationWeight));

    [TestCase(0)]
    [TestCase(-1)]
    public void Validate_WhenTheBurstLevelIsUnderOneStep_ThrowsNamingTheValue(int steps) =>
        Assert.That(() => new SimulationOptions { BurstLevelSteps = steps }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("BurstLevelSteps").And.Message.Contains("BurstLevelSteps must be at least 1"));

    [Test]
    public void Validate_WhenTheLevelShiftStepsAreNegative_ThrowsNamingTheValue() =>
        Assert.That(() => new SimulationOptions { LevelShiftSteps = -1 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("LevelShiftSteps").And.Message.Contains("LevelShiftSteps must be zero (off) or more; got -1"));

    [Test]
    public void MoveCostWeight_DefaultIsTheBurstPresetsThatHostsGet() =>
        Assert.That(new SimulationOptions().MoveCostWeight, Is.EqualTo(PredictiveSharding.Planning.GeneticPlannerOptions.ForBurstBoundForecasts().MoveCostWeight), "the simulation measures what a host's control loop plans with");

    [Test]
    public void Validate_WhenPlanningIsRarerThanTheHorizon_Throws() =>
        Assert.That(() => new SimulationOptions { HorizonSteps = 4, PlanEverySteps = 5 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("PlanEverySteps"));

    [Test]
    public void Constructor_WithBadOptions_Throws() =>
        Assert.That(() => new TraceSimulator(new SimulationOptions { Nodes = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
