namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Split-conformal recalibration of the quantile head (conformalized quantile regression, Romano, Patterson and Candès
/// 2019, applied per level): on windows the network was not trained on, the offset for level τ is the conformal
/// τ-quantile of the residuals <c>y − q_τ</c> in scaled units, pooled over horizon steps; adding it makes the share of
/// held-out targets below <c>q_τ</c> come out at τ. Offsets that would make levels cross are resolved by a running
/// maximum over the levels, which keeps each step's quantiles monotone.
/// </summary>
internal static class QuantileCalibration
{
    /// <summary>Fewest held-out points (windows × horizon steps) <see cref="Fit"/> fits offsets on; fewer give zeros.</summary>
    internal const int MinimumPoints = 50;

    /// <summary>
    /// Fewest distinct held-out buckets (summed over series) a trained model is calibrated on. Overlapping windows reuse
    /// the same observations, so their count overstates the evidence; 200 distinct observations put about 20 beyond the
    /// 0.1 and 0.9 levels, enough for their offsets not to be set by a handful of points.
    /// </summary>
    internal const int MinimumHeldOutBuckets = 200;

    /// <summary>
    /// Offsets per level from held-out windows: <paramref name="quantiles"/> is <c>[n × horizon·levels]</c> and
    /// <paramref name="targets"/> <c>[n × horizon]</c>, both in scaled units. Returns zeros when there are too few points.
    /// </summary>
    public static float[] Fit(ReadOnlySpan<float> quantiles, ReadOnlySpan<float> targets, IReadOnlyList<double> levels, int horizon)
    {
        var nq = levels.Count;
        var offsets = new float[nq];
        var points = targets.Length;
        if (points < MinimumPoints)
        {
            return offsets;
        }

        var residuals = new float[points];
        for (var k = 0; k < nq; k++)
        {
            for (var i = 0; i < points; i++)
            {
                var window = i / horizon;
                var step = i % horizon;
                residuals[i] = targets[i] - quantiles[(window * horizon * nq) + (step * nq) + k];
            }

            Array.Sort(residuals);

            // The conformal rank ⌈(n + 1)τ⌉ (1-based) gives at least τ coverage on exchangeable data; clamp to the sample.
            var rank = (int)Math.Ceiling((points + 1) * levels[k]);
            offsets[k] = residuals[Math.Clamp(rank, 1, points) - 1];
        }

        return offsets;
    }

    /// <summary>Adds the offsets to one row of scaled quantiles (<c>[horizon × levels]</c>) and restores monotonicity.</summary>
    public static void Apply(ReadOnlySpan<float> offsets, Span<float> row, int horizon)
    {
        var nq = offsets.Length;
        for (var s = 0; s < horizon; s++)
        {
            var q = row.Slice(s * nq, nq);
            q[0] += offsets[0];
            for (var k = 1; k < nq; k++)
            {
                q[k] = Math.Max(q[k] + offsets[k], q[k - 1]);
            }
        }
    }

    /// <summary>True when any offset differs from zero (an uncalibrated model skips the work and the ONNX nodes).</summary>
    public static bool IsActive(ReadOnlySpan<float> offsets)
    {
        foreach (var o in offsets)
        {
            if (o != 0)
            {
                return true;
            }
        }

        return false;
    }
}
