using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

public class ForecastGuardTests
{
    private static readonly PartitionId P = new("p");
    private static readonly PartitionId Q = new("q");
    private static readonly PartitionId R = new("r");

    [Test]
    public void Apply_WithTheLastLoadFloor_NeverForecastsBelowTheLastLoad()
    {
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = true, BoundBursts = false });
        var forecast = GuardForecasts.Constant([P, Q], [0.1, 0.5, 0.99], 2, steps: 3);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [9, 4], 100), new GuardedPartition(Q, [1, 1], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(4), "every quantile and step of p at its last load");
            Assert.That(GuardForecasts.Values(guarded, Q), Is.All.EqualTo(2), "q's forecast is above its last load");
        });
    }

    [Test]
    public void Apply_WithEveryGuardOff_ReturnsTheForecastUnchanged()
    {
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false, BoundBursts = false });
        var forecast = GuardForecasts.Constant([P], [0.5, 0.99], 2);

        Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [9, 40], 100)]), Is.SameAs(forecast));
    }

    [Test]
    public void Apply_WithAPartitionGivenTwice_ThrowsNamingIt()
    {
        // Two histories of p: the floor would silently follow whichever came last.
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = true });
        var forecast = GuardForecasts.Constant([P], [0.5, 0.99], 2);

        Assert.That(
            () => guard.Apply(forecast, [new GuardedPartition(P, [9], 100), new GuardedPartition(P, [1], 100)]),
            Throws.ArgumentException.With.Message.Contains("'p'").And.Property("ParamName").EqualTo("partitions"));
    }

    [Test]
    public void Apply_LeavesPartitionsItIsNotToldAboutAlone()
    {
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = true });
        var forecast = GuardForecasts.Constant([P, Q], [0.5, 0.99], 2);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [9], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(9));
            Assert.That(GuardForecasts.Values(guarded, Q), Is.All.EqualTo(2));
        });
    }

    [Test]
    public void Apply_BoundsBurstsByTheGrowthObservedSoFar()
    {
        // A partition at 20% of a node tripled once; the other, now at 20 of 100, is bounded at q0.99 by 20 × 3.
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false });
        var forecast = GuardForecasts.Constant([Q], [0.5, 0.99], 2);
        var q = new GuardedPartition(Q, [20, 20], 100);
        Assert.That(guard.Apply(forecast, [q]), Is.SameAs(forecast), "no growth observed yet");

        guard.ObserveGrowth(new GuardedPartition(P, [20, 60, 30], 100), from: 0);
        var bounded = guard.Apply(forecast, [q]);

        Assert.Multiple(() =>
        {
            Assert.That(guard.HasObservedGrowth);
            Assert.That(bounded.ValueAt(Q, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60));
            Assert.That(bounded.ValueAt(Q, ResourceKind.Requests, 0, 0.5), Is.EqualTo(2), "the median stays the forecaster's");
        });
    }

    [Test]
    public void Apply_WithASeasonalMinPeriod_RaisesTheMedianOfAPeriodicPartitionAndCountsIt()
    {
        // Firing 100 every 30 steps (the next step, 210, is one), quiet at 2 otherwise.
        var timer = Enumerable.Range(0, 210).Select(i => i % 30 == 0 ? 100.0 : 2).ToArray();
        var on = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false, BoundBursts = false, SeasonalMinPeriod = 25 });
        var off = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false, BoundBursts = false });
        var forecast = GuardForecasts.Constant([P], [0.1, 0.5], 5);
        GuardedPartition[] partitions = [new(P, timer, 1000)];

        var raised = on.Apply(forecast, partitions);

        Assert.Multiple(() =>
        {
            Assert.That(raised.ValueAt(P, ResourceKind.Requests, 0, 0.5), Is.EqualTo(100));
            Assert.That(raised.ValueAt(P, ResourceKind.Requests, 0, 0.1), Is.EqualTo(5));
            Assert.That(on.SeasonalPartitions, Is.EqualTo(1));
            Assert.That(off.Apply(forecast, partitions), Is.SameAs(forecast), "null: no seasonal floor");
        });
    }

    [Test]
    public void Constructor_WithASeasonalMinPeriodAboveAQuarterOfTheWindow_WarnsNamingBoth()
    {
        // The search finds periods up to a quarter of the window (three periods back and one to score): 200 > 512 / 4 = 128,
        // so this floor can never raise anything.
        var logger = new FakeLogger<ForecastGuard>();

        _ = new ForecastGuard(new ForecastGuardOptions { SeasonalMinPeriod = 200, SeasonalWindow = 512 }, logger);

        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.That(warnings, Has.Exactly(1).Contains("SeasonalMinPeriod 200").And.Contains("SeasonalWindow 512").And.Contains("128"));
    }

    [TestCase(128, 512)]
    [TestCase(null, 16)]
    public void Constructor_WithASeasonalFloorThatCanFire_DoesNotWarn(int? minPeriod, int window)
    {
        var logger = new FakeLogger<ForecastGuard>();

        _ = new ForecastGuard(new ForecastGuardOptions { SeasonalMinPeriod = minPeriod, SeasonalWindow = window }, logger);

        Assert.That(logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning), Is.Empty);
    }

    [Test]
    public void Apply_WhenCancelled_ThrowsBeforeSearchingForPeriods()
    {
        // The seasonal floor's search costs about window² / 4 per partition (half a second on 10,000 partitions at the
        // default window) and Apply took no token, so a plan cancelled meanwhile waited for every partition's search.
        var timer = Enumerable.Range(0, 210).Select(i => i % 30 == 0 ? 100.0 : 2).ToArray();
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false, BoundBursts = false, SeasonalMinPeriod = 25 });
        var forecast = GuardForecasts.Constant([P], [0.1, 0.5], 5);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.Multiple(() =>
        {
            Assert.That(() => guard.Apply(forecast, [new GuardedPartition(P, timer, 1000)], cancel.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(guard.SeasonalPartitions, Is.Zero, "no partition was searched");
        });
    }

    [TestCase(1, 512, "SeasonalMinPeriod")]
    [TestCase(-3, 512, "SeasonalMinPeriod")]
    [TestCase(25, 0, "SeasonalWindow")]
    public void Constructor_WithAnOptionOutOfRange_ThrowsNamingIt(int minPeriod, int window, string name)
    {
        var options = new ForecastGuardOptions { SeasonalMinPeriod = minPeriod, SeasonalWindow = window };

        Assert.That(() => new ForecastGuard(options), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name).And.Message.Contains(name));
    }

    [Test]
    public void Apply_WithABurstLevelOfSeveralSteps_LearnsAndBoundsFromTheMedianLevel()
    {
        // P went 20, 20, 20, then 60: 3× over its level. Q's last step spiked to 40 after 10s: from its level (10) the bound
        // is 10 × 3, where the last-load bound would be 40 × 3.
        var guard = new ForecastGuard(new ForecastGuardOptions { BurstLevelSteps = 3 });
        var forecast = GuardForecasts.Constant([Q], [0.5, 0.99], 2);
        guard.ObserveGrowth(new GuardedPartition(P, [20, 20, 20, 60], 100), from: 0);

        var bounded = guard.Apply(forecast, [new GuardedPartition(Q, [10, 10, 40], 100)]);

        Assert.That(bounded.ValueAt(Q, ResourceKind.Requests, 0, 0.99), Is.EqualTo(30));
    }

    [Test]
    public void Apply_WithoutSingleKeyBounds_LeavesOnlyPartitionsKnownToHoldOneKeyUnbounded()
    {
        // P tripled once from 20% of a node. Three partitions now at 20: one key, many keys, and a key count the host
        // did not give. Only the one-key partition keeps its forecast; with the default every one is bounded at 60.
        var forecast = GuardForecasts.Constant([P, Q, R], [0.5, 0.99], 2);
        GuardedPartition[] partitions =
        [
            new(P, [20, 20], 100) { KeyCount = 1 },
            new(Q, [20, 20], 100) { KeyCount = 40 },
            new(R, [20, 20], 100),
        ];
        var off = new ForecastGuard(new ForecastGuardOptions { BoundSingleKeyBursts = false });
        var on = new ForecastGuard(new ForecastGuardOptions());
        foreach (var guard in new[] { off, on })
        {
            guard.ObserveGrowth(new GuardedPartition(new PartitionId("grew"), [20, 60, 30], 100) { KeyCount = 1 }, from: 0);
        }

        var withoutSingle = off.Apply(forecast, partitions);
        var withSingle = on.Apply(forecast, partitions);

        Assert.Multiple(() =>
        {
            Assert.That(withoutSingle.ValueAt(P, ResourceKind.Requests, 0, 0.99), Is.EqualTo(2), "one key: the forecaster's own q0.99");
            Assert.That(withoutSingle.ValueAt(Q, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "a splittable range is still bounded");
            Assert.That(withoutSingle.ValueAt(R, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "an unknown key count is not taken for one key");
            Assert.That(off.HasObservedGrowth, "a one-key partition's growth is still learnt");
            Assert.That(withSingle.ValueAt(P, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "by default one key is bounded too");
            Assert.That(on.Options.BoundSingleKeyBursts, Is.True);
        });
    }

    [Test]
    public void Apply_AfterObservingAnInfiniteLoad_StillBoundsByTheFiniteGrowthSeen()
    {
        // A measurement glitch (a rate over an empty interval) once gave p an infinite load. It is no growth evidence;
        // kept as an infinite ratio it made every later bound infinite, and every later Apply threw for good.
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = false });
        var forecast = GuardForecasts.Constant([Q], [0.5, 0.99], 2);
        guard.ObserveGrowth(new GuardedPartition(P, [20, double.PositiveInfinity, 20], 100), from: 0);
        guard.ObserveGrowth(new GuardedPartition(R, [20, 60], 100), from: 0);

        var bounded = guard.Apply(forecast, [new GuardedPartition(Q, [20, 20], 100)]);

        Assert.That(bounded.ValueAt(Q, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60));
    }

    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NaN)]
    [TestCase(-5.0)]
    public void Apply_WhenTheLastLoadIsNotAFiniteNonNegativeNumber_LeavesThatPartitionsForecastAlone(double last)
    {
        var guard = new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = true });
        guard.ObserveGrowth(new GuardedPartition(R, [20, 60], 100), from: 0);
        var forecast = GuardForecasts.Constant([P, Q], [0.5, 0.99], 2);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [20, last], 100), new GuardedPartition(Q, [20, 20], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(2));
            Assert.That(guarded.ValueAt(Q, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "the other partitions are still guarded");
        });
    }

    [Test]
    public void RaiseTo_WithAFloorThatIsNotAFiniteNumber_LeavesThatPartitionAlone()
    {
        var forecast = GuardForecasts.Constant([P, Q], [0.5, 0.99], 2);

        var raised = ForecastGuard.RaiseTo(forecast, id => id == P ? double.PositiveInfinity : 7);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(raised, P), Is.All.EqualTo(2));
            Assert.That(GuardForecasts.Values(raised, Q), Is.All.EqualTo(7));
        });
    }

    [Test]
    public void GuardedPartition_RejectsANegativeKeyCount()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GuardedPartition(P, [1], 10) { KeyCount = -2 });
        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("KeyCount"));
            Assert.That(new GuardedPartition(P, [1], 10).KeyCount, Is.Null, "unknown unless the host says");
        });
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void Constructor_WithABurstLevelOfLessThanOneStep_ThrowsNamingIt(int steps) =>
        Assert.That(
            () => new ForecastGuard(new ForecastGuardOptions { BurstLevelSteps = steps }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("BurstLevelSteps").And.Message.Contains("got " + steps.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void Options_AreACopy_AndDefaultToTheBurstBoundAlone()
    {
        var options = new ForecastGuardOptions();
        var guard = new ForecastGuard(options);
        options.FloorAtLastLoad = true;

        Assert.Multiple(() =>
        {
            Assert.That(guard.Options.FloorAtLastLoad, Is.False);
            Assert.That(guard.Options.BoundBursts, Is.True);
            Assert.That(guard.Options.SeasonalMinPeriod, Is.Null);
            Assert.That(guard.Options.BurstLevelSteps, Is.EqualTo(1), "the last load, as before the setting existed");
        });
    }

    [Test]
    public void Options_WhenTheCopyHandedOutIsChanged_TheGuardKeepsTheSettingsItWasCreatedWith()
    {
        // The guard handed out its own settings: a change through Options turned a guard on without validation, and a
        // BurstLevelSteps of 0 set there failed the next ObserveGrowth naming an internal parameter.
        var guard = new ForecastGuard(new ForecastGuardOptions { BoundBursts = false });
        var forecast = GuardForecasts.Constant([P], [0.5, 0.99], 2);

        guard.Options.FloorAtLastLoad = true;
        guard.Options.BurstLevelSteps = 0;

        Assert.Multiple(() =>
        {
            Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [9], 100)]), Is.SameAs(forecast), "no floor was asked for at creation");
            Assert.That(guard.Options.FloorAtLastLoad, Is.False);
            Assert.That(guard.Options.BurstLevelSteps, Is.EqualTo(1));
            Assert.That(() => guard.ObserveGrowth(new GuardedPartition(P, [10, 20], 100), 0), Throws.Nothing);
        });
    }

    [Test]
    public void GuardedPartition_RejectsANegativeOwnFromAndNullLoads()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new GuardedPartition(P, [1], 10) { OwnFrom = -1 }, Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => new GuardedPartition(P, null!, 10), Throws.ArgumentNullException);
            Assert.That(new GuardedPartition(P, [], 10).LastLoad, Is.Zero);
        });
    }
}
