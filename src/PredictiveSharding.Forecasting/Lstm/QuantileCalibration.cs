namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Split-conformal recalibration of the quantile head (conformalized quantile regression, Romano, Patterson and Candès
/// 2019, applied per level and per horizon step): on windows the network was not trained on, the offset for level τ at
/// step h is the conformal τ-quantile of the scores <c>(y − q_τ) ÷ w</c>, where <c>w</c> is the network's own spread
/// at that step (<c>q_last − q_first</c>, floored at <see cref="WidthFloor"/>; locally weighted conformal prediction,
/// Lei et al. 2018). Adding <c>offset · w</c> makes the share of held-out targets below <c>q_τ</c> come out at τ, while a
/// series the network is unsure about gets a proportionally larger correction than a calm one, so one series' bursts do
/// not set every series' margin. Scores are pooled over neighbouring steps until each step has
/// <see cref="MinimumPointsPerStep"/>: errors grow with the lead time, so one offset for all steps leaves the first steps
/// too wide and the last too narrow. Offsets that would make levels cross are resolved by a running maximum over the
/// levels, which keeps each step's quantiles monotone. The median (level 0.5) gets no offset: it is the point forecast,
/// and shifting it by the held-out tail's bias moved it away from the future where the tail was unlike what followed (NAB
/// AWS at 5-minute steps: MASE ratio to seasonal naive 1.23 with the shift, 0.96 without), while elsewhere the shift
/// changed MASE by about 0.01 either way; adaptive calibration leaves the median alone for the same reason.
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

    /// <summary>Fewest scores behind each step's offsets (the same 200-point rule as <see cref="MinimumHeldOutBuckets"/>).</summary>
    internal const int MinimumPointsPerStep = 200;

    /// <summary>
    /// Smallest spread a score is divided by, in scaled units (the window's mean load is about 1): a network sure of an
    /// exact value still gets a correction of at least this order, and scores stay finite.
    /// </summary>
    internal const float WidthFloor = 0.05f;

    /// <summary>
    /// Offsets per step and level (<c>[horizon × levels]</c>) from held-out windows: <paramref name="quantiles"/> is
    /// <c>[n × horizon·levels]</c> and <paramref name="targets"/> <c>[n × horizon]</c>, both in scaled units. Returns
    /// zeros when there are too few points.
    /// </summary>
    public static float[] Fit(ReadOnlySpan<float> quantiles, ReadOnlySpan<float> targets, IReadOnlyList<double> levels, int horizon)
    {
        var nq = levels.Count;
        var offsets = new float[horizon * nq];
        var points = targets.Length;
        if (points < MinimumPoints)
        {
            return offsets;
        }

        var windows = points / horizon;

        // Steps pooled per offset: a band of neighbouring steps wide enough to hold MinimumPointsPerStep scores.
        var band = Math.Min(horizon, (MinimumPointsPerStep + windows - 1) / windows);
        var scores = new float[band * windows];
        for (var step = 0; step < horizon; step++)
        {
            var first = Math.Clamp(step - (band / 2), 0, horizon - band);
            for (var k = 0; k < nq; k++)
            {
                var n = 0;
                for (var s = first; s < first + band; s++)
                {
                    for (var w = 0; w < windows; w++)
                    {
                        var q = quantiles.Slice(((w * horizon) + s) * nq, nq);
                        scores[n++] = (targets[(w * horizon) + s] - q[k]) / Width(q);
                    }
                }

                Array.Sort(scores, 0, n);

                offsets[(step * nq) + k] = AdaptiveCalibration.IsMedian((float)levels[k]) ? 0 : scores[ConformalRank(n, levels[k]) - 1];
            }
        }

        return offsets;
    }

    /// <summary>
    /// The 1-based rank among <paramref name="n"/> sorted scores whose value is level <paramref name="level"/>'s offset,
    /// erring on the side of the interval (asymmetric conformalized quantile regression, Romano, Patterson and Candès 2019,
    /// Theorem 2). Above the median ⌈(n + 1)τ⌉: at least τ of fresh exchangeable targets then fall at or below the level.
    /// Below it ⌊(n + 1)τ⌋, one order statistic lower when (n + 1)τ is not whole: at most τ then fall below the level, so
    /// the interval between a lower and an upper level covers at least their difference. ⌈(n + 1)τ⌉ for every level (as
    /// before) made each lower level the smallest value with at least τ below it, which narrows the interval from below by
    /// about 1 ÷ (n + 1) of coverage. Clamped to the sample.
    /// </summary>
    internal static int ConformalRank(int n, double level)
    {
        var position = (n + 1) * level;
        var rank = level < 0.5 ? Math.Floor(position) : Math.Ceiling(position);
        return Math.Clamp((int)rank, 1, n);
    }

    /// <summary>
    /// Adds the offsets (scaled by each step's spread) to one row of scaled quantiles (<c>[horizon × levels]</c>) and
    /// restores monotonicity outwards from the median level <paramref name="median"/> (which has no offset): a lower
    /// level raised past the median is held at it rather than carrying the point forecast up, as
    /// <see cref="AdaptiveCalibration"/> does. A running maximum from the lowest level when there is no median (−1):
    /// that running maximum, applied with a median too, raised the median whenever a held-out tail above it gave the
    /// lowest level a large offset.
    /// </summary>
    public static void Apply(ReadOnlySpan<float> offsets, Span<float> row, int horizon, int median)
    {
        var nq = offsets.Length / horizon;
        for (var s = 0; s < horizon; s++)
        {
            var q = row.Slice(s * nq, nq);
            var o = offsets.Slice(s * nq, nq);
            var width = Width(q);
            for (var k = 0; k < nq; k++)
            {
                q[k] += o[k] * width;
            }

            for (var k = Math.Max(median, 0) + 1; k < nq; k++)
            {
                q[k] = Math.Max(q[k], q[k - 1]);
            }

            for (var k = median - 1; k >= 0; k--)
            {
                q[k] = Math.Min(q[k], q[k + 1]);
            }
        }
    }

    /// <summary>The network's spread at one step: highest minus lowest quantile (monotone, so never negative), floored.</summary>
    public static float Width(ReadOnlySpan<float> q) => Math.Max(q[^1] - q[0], WidthFloor);

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
