using PredictiveSharding.Forecasting.Evaluation;

namespace PredictiveSharding.Forecasting.Tests.Evaluation;

public sealed class ForecastMetricsTests
{
    [Test]
    public void SeasonalNaiveScale_HandComputed_IsMeanSeasonalDifference()
    {
        // m = 2: |2 − 1|, |5 − 3|, |4 − 2| = 1, 2, 2.
        Assert.That(ForecastMetrics.SeasonalNaiveScale([1, 3, 2, 5, 4], 2), Is.EqualTo(5.0 / 3).Within(1e-12));
    }

    [Test]
    public void SeasonalNaiveScale_NoLongerThanASeason_IsNaN()
    {
        Assert.That(ForecastMetrics.SeasonalNaiveScale([1, 2], 2), Is.NaN);
    }

    [Test]
    public void Mase_HandComputed_IsMeanAbsoluteErrorOverScale()
    {
        Assert.That(ForecastMetrics.Mase([2, 4], [3, 3], 0.5), Is.EqualTo(2.0).Within(1e-12));
    }

    [Test]
    public void Mase_ZeroScale_IsNaN()
    {
        Assert.That(ForecastMetrics.Mase([2, 4], [3, 3], 0), Is.NaN);
    }

    [Test]
    public void Pinball_UnderAndOverForecast_WeighsByLevel()
    {
        Assert.That(ForecastMetrics.Pinball(10, 8, 0.9), Is.EqualTo(1.8).Within(1e-12));
        Assert.That(ForecastMetrics.Pinball(8, 10, 0.9), Is.EqualTo(0.2).Within(1e-12));
    }

    [Test]
    public void WeightedQuantileLoss_HandComputed_AveragesOverLevels()
    {
        // q0.1: pinball(10, 8) = 0.2, pinball(20, 25) = 4.5 → 2·4.7/30; q0.5: 0 + 1 → 2·1/30. Mean = 0.19.
        var wql = ForecastMetrics.WeightedQuantileLoss([10, 20], [[8, 25], [10, 18]], [0.1, 0.5]);

        Assert.That(wql, Is.EqualTo(0.19).Within(1e-12));
    }

    [Test]
    public void WeightedQuantileLoss_AllZeroActuals_IsNaN()
    {
        Assert.That(ForecastMetrics.WeightedQuantileLoss([0, 0], [[1, 1]], [0.5]), Is.NaN);
    }

    [Test]
    public void WeightedQuantileLoss_RowsAndLevelsDiffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => ForecastMetrics.WeightedQuantileLoss([1, 2], [[1, 1]], [0.1, 0.5]));
    }

    [Test]
    public void CountInside_BoundsAreInclusive()
    {
        Assert.That(ForecastMetrics.CountInside([1, 5, 10], [0, 6, 10], [2, 7, 10]), Is.EqualTo(2));
    }

    [Test]
    public void MeanOfFinite_SkipsNaN()
    {
        Assert.That(ForecastMetrics.MeanOfFinite([1, double.NaN, 3]), Is.EqualTo(2.0));
        Assert.That(ForecastMetrics.MeanOfFinite([double.NaN]), Is.NaN);
    }
}
