namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Turns the head's raw outputs into quantiles that cannot cross (the lowest is the raw value, each next one adds
/// softplus of its raw value) and scores them with the pinball loss, as in MQ-RNN/DeepAR-style quantile heads.
/// </summary>
internal static class QuantileHead
{
    /// <summary>Monotone transform of one row: <c>q_0 = z_0</c>, <c>q_k = q_{k−1} + softplus(z_k)</c> per horizon step.</summary>
    public static void Monotone(ReadOnlySpan<float> z, Span<float> q, int horizon, int quantiles)
    {
        for (var s = 0; s < horizon; s++)
        {
            var o = s * quantiles;
            var acc = z[o];
            q[o] = acc;
            for (var k = 1; k < quantiles; k++)
            {
                acc += Softplus(z[o + k]);
                q[o + k] = acc;
            }
        }
    }

    /// <summary>
    /// Adds the pinball loss of one row to the returned sum and writes <c>∂loss/∂q</c> times <paramref name="gradientScale"/>
    /// into <paramref name="dq"/>. Targets are per horizon step.
    /// </summary>
    public static double Pinball(ReadOnlySpan<float> q, ReadOnlySpan<float> target, ReadOnlySpan<float> levels, int horizon, Span<float> dq, float gradientScale)
    {
        var quantiles = levels.Length;
        double loss = 0;
        for (var s = 0; s < horizon; s++)
        {
            var y = target[s];
            for (var k = 0; k < quantiles; k++)
            {
                var tau = levels[k];
                var diff = y - q[(s * quantiles) + k];

                // pinball_τ(y, q) = max(τ(y − q), (τ − 1)(y − q)) (Koenker & Bassett); its derivative in q is −τ or 1 − τ.
                if (diff >= 0)
                {
                    loss += tau * diff;
                    dq[(s * quantiles) + k] = -tau * gradientScale;
                }
                else
                {
                    loss += (tau - 1) * diff;
                    dq[(s * quantiles) + k] = (1 - tau) * gradientScale;
                }
            }
        }

        return loss;
    }

    /// <summary>Pinball loss of one row without gradients.</summary>
    public static double Pinball(ReadOnlySpan<float> q, ReadOnlySpan<float> target, ReadOnlySpan<float> levels, int horizon)
    {
        var quantiles = levels.Length;
        double loss = 0;
        for (var s = 0; s < horizon; s++)
        {
            for (var k = 0; k < quantiles; k++)
            {
                var diff = target[s] - q[(s * quantiles) + k];
                loss += diff >= 0 ? levels[k] * diff : (levels[k] - 1) * diff;
            }
        }

        return loss;
    }

    /// <summary>Back-propagates <c>∂loss/∂q</c> through <see cref="Monotone"/> to <c>∂loss/∂z</c> for one row.</summary>
    public static void MonotoneBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> dq, Span<float> dz, int horizon, int quantiles)
    {
        for (var s = 0; s < horizon; s++)
        {
            var o = s * quantiles;
            float suffix = 0;
            for (var k = quantiles - 1; k >= 1; k--)
            {
                suffix += dq[o + k];
                dz[o + k] = suffix * Sigmoid(z[o + k]);
            }

            dz[o] = suffix + dq[o];
        }
    }

    // Stable softplus: log(1 + e^x) without overflow for large x or loss of precision for very negative x.
    public static float Softplus(float x) => x > 0 ? x + MathF.Log(1 + MathF.Exp(-x)) : MathF.Log(1 + MathF.Exp(x));

    private static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));
}
