namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// Walks the forecast steps h = 1, 2, … of a Holt-Winters model with the damped-trend sum φ + … + φ^h and the variance
/// factor of <see cref="HoltWintersParameters.VarianceFactor"/> kept running, so a horizon of H steps costs O(H) rather
/// than O(H²). The sums are accumulated in the same order as those methods, so the values are bit-identical.
/// </summary>
internal struct HoltWintersHorizon
{
    private readonly HoltWintersParameters _parameters;
    private readonly int _seasonLength;
    private double _phiPower;

    public HoltWintersHorizon(in HoltWintersParameters parameters, int seasonLength)
    {
        _parameters = parameters;
        _seasonLength = seasonLength;
        _phiPower = 1.0;
        Step = 0;
        PhiSum = 0.0;
        VarianceFactor = 1.0;
    }

    /// <summary>The current step h (1-based after the first <see cref="Next"/>).</summary>
    public int Step { get; private set; }

    /// <summary>φ + … + φ^h for the current step.</summary>
    public double PhiSum { get; private set; }

    /// <summary>The variance factor of the current step, equal to <see cref="HoltWintersParameters.VarianceFactor"/>(h, m).</summary>
    public double VarianceFactor { get; private set; }

    /// <summary>Moves to the next step.</summary>
    public void Next()
    {
        if (Step > 0)
        {
            // Step h + 1 adds the term c_h, built from φ_h: the sum of the step being left.
            var c = (_parameters.Alpha * (1 + (_parameters.BetaStar * PhiSum))) + (Step % _seasonLength == 0 ? _parameters.Gamma : 0);
            VarianceFactor += c * c;
        }

        _phiPower *= _parameters.Phi;
        PhiSum += _phiPower;
        Step++;
    }
}
