namespace PredictiveSharding.Forecasting.Evaluation;

/// <summary>
/// Point and probabilistic forecast metrics as GluonTS and the M4 competition define them (Hyndman &amp; Koehler 2006 for MASE;
/// GluonTS' evaluator for the quantile losses): MASE, pinball loss, weighted quantile loss and interval coverage.
/// </summary>
internal static class ForecastMetrics
{
    /// <summary>
    /// MASE's denominator: the mean absolute error of the in-sample seasonal naive forecast, mean |y_t − y_{t−m}| over
    /// t = m … n − 1 of the training part. NaN when the training part is not longer than one season.
    /// </summary>
    public static double SeasonalNaiveScale(ReadOnlySpan<double> training, int seasonLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seasonLength);
        if (training.Length <= seasonLength)
        {
            return double.NaN;
        }

        var sum = 0.0;
        for (var t = seasonLength; t < training.Length; t++)
        {
            sum += Math.Abs(training[t] - training[t - seasonLength]);
        }

        return sum / (training.Length - seasonLength);
    }

    /// <summary>
    /// Mean absolute scaled error: mean |y − ŷ₀.₅| over the forecast points divided by <paramref name="scale"/>.
    /// NaN when the scale is zero or NaN (a series that never changed over a season has no scale).
    /// </summary>
    public static double Mase(ReadOnlySpan<double> actual, ReadOnlySpan<double> median, double scale)
    {
        CheckSameLength(actual, median);
        if (!(scale > 0) || actual.IsEmpty)
        {
            return double.NaN;
        }

        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(actual[i] - median[i]);
        }

        return sum / actual.Length / scale;
    }

    /// <summary>The pinball (quantile) loss max(q(y − ŷ), (q − 1)(y − ŷ)).</summary>
    public static double Pinball(double actual, double predicted, double level)
    {
        var diff = actual - predicted;
        return Math.Max(level * diff, (level - 1) * diff);
    }

    /// <summary>
    /// Weighted quantile loss: for each level q, 2 Σ_t pinball_q(y_t, ŷ_q,t) / Σ_t |y_t|, averaged over the levels.
    /// <paramref name="predictions"/>[i] holds the forecasts at <paramref name="levels"/>[i]. NaN when Σ|y| is zero.
    /// </summary>
    public static double WeightedQuantileLoss(ReadOnlySpan<double> actual, IReadOnlyList<double[]> predictions, IReadOnlyList<double> levels)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(levels);
        if (predictions.Count != levels.Count || levels.Count == 0)
        {
            throw new ArgumentException($"Got {predictions.Count} prediction rows for {levels.Count} quantile levels; one row per level is needed.", nameof(predictions));
        }

        var denominator = 0.0;
        foreach (var y in actual)
        {
            denominator += Math.Abs(y);
        }

        if (!(denominator > 0))
        {
            return double.NaN;
        }

        var total = 0.0;
        for (var q = 0; q < levels.Count; q++)
        {
            CheckSameLength(actual, predictions[q]);
            var loss = 0.0;
            for (var t = 0; t < actual.Length; t++)
            {
                loss += Pinball(actual[t], predictions[q][t], levels[q]);
            }

            total += 2 * loss / denominator;
        }

        return total / levels.Count;
    }

    /// <summary>How many actuals lie inside [lower, upper] (both ends included).</summary>
    public static int CountInside(ReadOnlySpan<double> actual, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        CheckSameLength(actual, lower);
        CheckSameLength(actual, upper);
        var inside = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            if (actual[i] >= lower[i] && actual[i] <= upper[i])
            {
                inside++;
            }
        }

        return inside;
    }

    /// <summary>The mean of the finite values; NaN when there are none.</summary>
    public static double MeanOfFinite(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sum = 0.0;
        var count = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }

    private static void CheckSameLength(ReadOnlySpan<double> actual, ReadOnlySpan<double> other)
    {
        if (actual.Length != other.Length)
        {
            throw new ArgumentException($"Got {other.Length} forecasts for {actual.Length} actual values; the lengths must match.", nameof(other));
        }
    }
}
