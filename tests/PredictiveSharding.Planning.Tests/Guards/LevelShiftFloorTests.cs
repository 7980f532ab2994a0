using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

public class LevelShiftFloorTests
{
    private static readonly PartitionId P = new("p");
    private static readonly PartitionId Q = new("q");
    private static readonly double[] Quantiles = [0.1, 0.5, 0.9, 0.99];

    private static ForecastGuard Guard(int steps) => new(new ForecastGuardOptions { BoundBursts = false, LevelShiftSteps = steps });

    [Test]
    public void Apply_AfterALoadHeldAboveTheForecastForTheSteps_RaisesEveryValueToTheLeastOfThem()
    {
        // A key jumped from 12 to about 68 (6 ×) two steps ago; the forecaster still gives 14 for every quantile.
        var guard = Guard(steps: 2);
        var forecast = GuardForecasts.Constant([P], Quantiles, 14, steps: 3);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [12, 12, 12, 70, 68], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(68), "every quantile and step at the least of the last two loads");
            Assert.That(guard.LevelShiftPartitions, Is.EqualTo(1));
        });
    }

    [Test]
    public void Apply_AfterAOneStepSpike_LeavesTheForecastAlone()
    {
        // Only the last step is high: with two steps required the spike is not a shift (such spikes mostly revert).
        var guard = Guard(steps: 2);
        var forecast = GuardForecasts.Constant([P], Quantiles, 14, steps: 3);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [12, 12, 12, 12, 70], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(guarded, Is.SameAs(forecast));
            Assert.That(guard.LevelShiftPartitions, Is.Zero);
        });
    }

    [Test]
    public void Apply_WhenTheForecastAlreadyFollowsTheLevel_LeavesItAlone()
    {
        // The forecaster has caught up: its median is already at the new level and its 0.9 quantile (75) above 68.
        var guard = Guard(steps: 2);
        var forecast = Forecast(P, q10: 50, q50: 68, q90: 75, q99: 80);

        Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [12, 70, 68], 100)]), Is.SameAs(forecast));
    }

    [Test]
    public void Apply_WithTheLevelAboveTheMedianButNotTheUpperDecile_LeavesItAlone()
    {
        // 68 is above the forecast's median (60) but within its 0.9 quantile (70): the forecaster saw it coming.
        var guard = Guard(steps: 2);
        var forecast = Forecast(P, q10: 40, q50: 60, q90: 70, q99: 90);

        Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [12, 70, 68], 100)]), Is.SameAs(forecast));
    }

    [TestCase(40.0, false)]
    [TestCase(33.0, true)]
    public void Apply_RaisesOnlyALevelAtLeastTwiceTheUpperDecile(double upperDecile, bool raised)
    {
        // 68 held over an upper decile of 40 is a miss of 1.7 ×, a drift the forecaster is following; over 33 it is 2.06 ×.
        var guard = Guard(steps: 2);
        var forecast = Forecast(P, q10: 10, q50: 20, q90: upperDecile, q99: 50);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [12, 70, 68], 100)]);

        Assert.That(guarded.ValueAt(P, ResourceKind.Requests, 0, 0.5), Is.EqualTo(raised ? 68 : 20));
    }

    [Test]
    public void Apply_BelowFivePercentOfANode_LeavesTheForecastAlone()
    {
        // 4 requests held over a forecast of 1 is a fourfold shift, but of 4% of the node: nothing that matters moves.
        var guard = Guard(steps: 2);
        var forecast = GuardForecasts.Constant([P, Q], Quantiles, 1, steps: 2);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [1, 4, 4], 100), new GuardedPartition(Q, [1, 6, 6], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(1), "4 is under 5% of 100");
            Assert.That(GuardForecasts.Values(guarded, Q), Is.All.EqualTo(6), "6 is over it");
        });
    }

    [Test]
    public void Apply_WithAnUnknownCapacity_JudgesTheShiftAlone()
    {
        var guard = Guard(steps: 2);
        var forecast = GuardForecasts.Constant([P], Quantiles, 1, steps: 2);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [1, 4, 4], 0)]);

        Assert.That(GuardForecasts.Values(guarded, P), Is.All.EqualTo(4));
    }

    [Test]
    public void Apply_WithFewerLoadsThanTheSteps_LeavesThePartitionAlone()
    {
        var guard = Guard(steps: 3);
        var forecast = GuardForecasts.Constant([P], Quantiles, 1, steps: 2);

        Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [50, 50], 100)]), Is.SameAs(forecast));
    }

    [Test]
    public void Apply_WithTheShiftOff_LeavesAHeldLevelAlone()
    {
        // The default: off.
        var guard = new ForecastGuard(new ForecastGuardOptions { BoundBursts = false });
        var forecast = GuardForecasts.Constant([P], Quantiles, 14, steps: 2);

        Assert.Multiple(() =>
        {
            Assert.That(new ForecastGuardOptions().LevelShiftSteps, Is.Null);
            Assert.That(guard.Apply(forecast, [new GuardedPartition(P, [12, 70, 68, 69], 100)]), Is.SameAs(forecast));
        });
    }

    [Test]
    public void Apply_RaisesBeforeTheBurstBound_SoTheBoundGrowsFromTheRaisedForecast()
    {
        // With the burst bound on as well, q0.99 is at least the held level: the level shift comes first and only raises.
        var guard = new ForecastGuard(new ForecastGuardOptions { LevelShiftSteps = 2 });
        guard.ObserveGrowth(new GuardedPartition(Q, [20, 40], 100), from: 0);
        var forecast = GuardForecasts.Constant([P], Quantiles, 14, steps: 2);

        var guarded = guard.Apply(forecast, [new GuardedPartition(P, [12, 70, 68], 100)]);

        Assert.Multiple(() =>
        {
            Assert.That(guarded.ValueAt(P, ResourceKind.Requests, 0, 0.5), Is.EqualTo(68));
            Assert.That(guarded.ValueAt(P, ResourceKind.Requests, 0, 0.99), Is.GreaterThanOrEqualTo(68));
        });
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void Constructor_WithLevelShiftStepsBelowOne_ThrowsNamingTheSettingAndValue(int steps) =>
        Assert.That(
            () => new ForecastGuard(new ForecastGuardOptions { LevelShiftSteps = steps }),
            Throws.TypeOf<ArgumentOutOfRangeException>()
                .With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ForecastGuardOptions.LevelShiftSteps))
                .And.Message.Contains("got " + steps.ToString(CultureInfo.InvariantCulture)));

    private static LoadForecast Forecast(PartitionId partition, double q10, double q50, double q90, double q99)
    {
        double[] step = [q10, q50, q90, q99];
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(2, step.Length, [.. step, .. step]) },
        };
        return new LoadForecast(GuardForecasts.Start, TimeSpan.FromMinutes(1), Quantiles, series);
    }
}
