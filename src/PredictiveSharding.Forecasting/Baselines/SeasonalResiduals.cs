using System.Collections.Concurrent;
using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// One series' in-sample seasonal-naive errors. The error of a forecast h steps ahead is y_t − y_{t−k·m} with
/// k = ⌈h/m⌉, so every horizon step within the same k shares one residual sample; samples are sorted once and cached.
/// </summary>
internal sealed class SeasonalResiduals
{
    private readonly ConcurrentDictionary<int, double[]> _sortedByK = new();
    private readonly int _minimumResiduals;

    public SeasonalResiduals(StoredSeries series, int seasonLength, int minimumResiduals)
    {
        Series = series;
        SeasonLength = seasonLength;
        _minimumResiduals = minimumResiduals;
    }

    public StoredSeries Series { get; }

    public int SeasonLength { get; }

    /// <summary>Mean absolute one-season error, reported as the "training loss".</summary>
    public double MeanAbsoluteError()
    {
        var sorted = Sorted(1);
        var sum = 0.0;
        foreach (var e in sorted)
        {
            sum += Math.Abs(e);
        }

        return sorted.Length == 0 ? 0 : sum / sorted.Length;
    }

    /// <summary>
    /// Error quantiles for a forecast <paramref name="h"/> steps ahead (1-based). When the series is too short to have
    /// enough errors k seasons apart, the errors of the largest k that has them are widened by √(k / k′), as for a random walk over seasons.
    /// </summary>
    public void Offsets(int h, IReadOnlyList<double> levels, Span<double> destination)
    {
        var k = ((h - 1) / SeasonLength) + 1;

        // The largest k' ≤ k with at least the minimum of errors k' seasons apart (n − k'·m of them), or 1: computed, not
        // counted down from k, which made a forecast's cost grow with the square of its horizon (about 6 minutes for
        // 4 million steps of a daily season of 24).
        var available = (int)Math.Clamp(((long)Series.Values.Length - _minimumResiduals) / SeasonLength, 1, k);

        var sorted = Sorted(available);
        var widen = Math.Sqrt((double)k / available);
        for (var q = 0; q < levels.Count; q++)
        {
            destination[q] = EmpiricalQuantile.OfSorted(sorted, levels[q]) * widen;
        }
    }

    private double[] Sorted(int k) => _sortedByK.GetOrAdd(k, static (key, self) => self.Compute(key), this);

    private double[] Compute(int k)
    {
        var values = Series.Values;
        var lag = k * SeasonLength;
        var count = Math.Max(values.Length - lag, 0);
        var residuals = new double[count];
        for (var i = 0; i < count; i++)
        {
            residuals[i] = values[i + lag] - values[i];
        }

        Array.Sort(residuals);
        return residuals;
    }
}
