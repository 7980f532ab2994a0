namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// Smoothing parameters in the usual bounds of the ETS literature (Hyndman et al. 2008; R's forecast::ets):
/// 0 &lt; α &lt; 1, 0 &lt; β &lt; α (β here is β* ∈ (0, 1) scaled by α), 0 &lt; γ &lt; 1 − α, 0.8 ≤ φ ≤ 0.98.
/// </summary>
internal readonly record struct HoltWintersParameters(double Alpha, double BetaStar, double Gamma, double Phi, bool Multiplicative)
{
    private const double PhiLow = 0.8;
    private const double PhiHigh = 0.98;
    private const double Margin = 1e-4;

    /// <summary>The starting point of the search, in unconstrained coordinates.</summary>
    public static double[] Start(bool damped) =>
        damped ? [Logit(0.2), Logit(0.1), Logit(0.1), Logit((0.95 - PhiLow) / (PhiHigh - PhiLow))] : [Logit(0.2), Logit(0.1), Logit(0.1)];

    /// <summary>Maps unconstrained search coordinates into the bounds through logistic functions.</summary>
    public static HoltWintersParameters FromUnconstrained(ReadOnlySpan<double> u, bool multiplicative)
    {
        var alpha = Margin + ((1 - (2 * Margin)) * Logistic(u[0]));
        var betaStar = Margin + ((1 - (2 * Margin)) * Logistic(u[1]));
        var gamma = (1 - alpha) * (Margin + ((1 - (2 * Margin)) * Logistic(u[2])));
        var phi = u.Length > 3 ? PhiLow + ((PhiHigh - PhiLow) * Logistic(u[3])) : 1.0;
        return new HoltWintersParameters(alpha, betaStar, gamma, phi, multiplicative);
    }

    /// <summary>
    /// The factor by which the one-step error variance grows h steps ahead, 1 + Σ_{j&lt;h} c_j² with
    /// c_j = α(1 + β*·φ_j) + γ·[j mod m = 0] and φ_j = φ + … + φ^j (the class-1 ETS(A,Ad,A) result of Hyndman et al. 2008, ch. 6).
    /// </summary>
    public double VarianceFactor(int h, int seasonLength)
    {
        var factor = 1.0;
        var phiSum = 0.0;
        var phiPower = 1.0;
        for (var j = 1; j < h; j++)
        {
            phiPower *= Phi;
            phiSum += phiPower;
            var c = (Alpha * (1 + (BetaStar * phiSum))) + (j % seasonLength == 0 ? Gamma : 0);
            factor += c * c;
        }

        return factor;
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    private static double Logit(double p) => Math.Log(p / (1 - p));
}
